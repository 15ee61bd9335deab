import type { Pool } from 'pg';
import type { AuditEventInput } from './audit-event';
import { auditRowsJson } from './audit-writer';
import { GroupCommit, type GroupCommitOptions } from './group-commit';

export type RedemptionVerdict = 'granted' | 'no-credit';

interface Redemption {
  readonly accountNumber: number;
  readonly event: AuditEventInput;
}

/** The same words the rights server answers with, so the row and the response agree. */
const NO_CREDIT_MESSAGE = '[-2019] Insufficient tokens available: the account has no credits left';

/**
 * See the migrations `redeem_batch_function` (lock, grant in arrival order, spend, and write every row) and
 * `audit_rows_as_json` (the batch's rows as one JSON array).
 */
const REDEEM_BATCH = 'SELECT openplay_redeem_batch_json($1::json, $2::text) AS granted';

/**
 * Each delivered license or CKC consumes one credit, in the same transaction as its audit row; a
 * redemption that finds no credit left gets a -2019 row instead. Redemptions are group-committed, and a
 * batch is one statement (one round trip): a database function locks the batch's accounts in a fixed order
 * (so that instances cannot deadlock), grants credits in arrival order and writes every row.
 */
export class RedemptionLedger {
  private readonly commits: GroupCommit<Redemption, RedemptionVerdict>;

  constructor(
    private readonly pool: Pool,
    options?: GroupCommitOptions,
  ) {
    this.commits = new GroupCommit((batch) => this.commit(batch), options);
  }

  /** Resolves once the row is durable: 'granted' (deliver) or 'no-credit' (refuse with -2019). */
  redeem(accountNumber: number, event: AuditEventInput): Promise<RedemptionVerdict> {
    return this.commits.submit({ accountNumber, event });
  }

  idle(): Promise<void> {
    return this.commits.idle();
  }

  private async commit(batch: Redemption[]): Promise<RedemptionVerdict[]> {
    // The account the credit is charged to is the token's, whatever the row says.
    const events = batch.map(({ accountNumber, event }) => ({ ...event, accountNumber }));
    const { rows } = await this.pool.query<{ granted: boolean[] }>(REDEEM_BATCH, [
      auditRowsJson(events),
      NO_CREDIT_MESSAGE,
    ]);
    const granted = rows[0]?.granted ?? [];
    return batch.map((_, i) => (granted[i] ? 'granted' : 'no-credit'));
  }
}
