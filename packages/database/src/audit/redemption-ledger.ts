import type { Pool } from 'pg';
import type { AuditEventInput } from './audit-event';
import { auditColumns, INSERT_AUDIT } from './audit-writer';
import { GroupCommit } from './group-commit';

export type RedemptionVerdict = 'granted' | 'no-credit';

interface Redemption {
  readonly accountNumber: number;
  readonly event: AuditEventInput;
}

/** The code written instead of success when the balance ran out (spec -2019). */
const NO_CREDIT = -2019;

/**
 * Each delivered license or CKC consumes one credit, in the same transaction as its audit row; a
 * redemption that finds no credit left gets a -2019 row instead. Redemptions are group-committed: one
 * transaction locks the batch's accounts, grants credits in arrival order, and writes every row.
 */
export class RedemptionLedger {
  private readonly commits: GroupCommit<Redemption, RedemptionVerdict>;

  constructor(private readonly pool: Pool, maxBatch?: number) {
    this.commits = new GroupCommit((batch) => this.commit(batch), maxBatch);
  }

  /** Resolves once the row is durable: 'granted' (deliver) or 'no-credit' (refuse with -2019). */
  redeem(accountNumber: number, event: AuditEventInput): Promise<RedemptionVerdict> {
    return this.commits.submit({ accountNumber, event });
  }

  idle(): Promise<void> {
    return this.commits.idle();
  }

  private async commit(batch: Redemption[]): Promise<RedemptionVerdict[]> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const numbers = [...new Set(batch.map((r) => r.accountNumber))].sort((a, b) => a - b);
      // Locked in a fixed order so that concurrent batches on several instances cannot deadlock.
      const { rows } = await client.query<{ number: number; credits: string | null }>(
        'SELECT number, credits::text FROM accounts WHERE number = ANY($1::int[]) ORDER BY number FOR UPDATE',
        [numbers],
      );
      const left = new Map(rows.map((row) => [row.number, row.credits === null ? null : BigInt(row.credits)]));
      const spent = new Map<number, number>();
      const verdicts = batch.map(({ accountNumber }): RedemptionVerdict => {
        const credits = left.get(accountNumber);
        if (credits === null) return 'granted';
        if (credits === undefined || credits <= 0n) return 'no-credit';
        left.set(accountNumber, credits - 1n);
        spent.set(accountNumber, (spent.get(accountNumber) ?? 0) + 1);
        return 'granted';
      });
      if (spent.size > 0) {
        await client.query(
          'UPDATE accounts a SET credits = a.credits - d.n FROM unnest($1::int[], $2::int[]) AS d(number, n) WHERE a.number = d.number',
          [[...spent.keys()], [...spent.values()]],
        );
      }
      const events = batch.map(({ event }, i) =>
        verdicts[i] === 'granted' ? event : { ...event, resultCode: NO_CREDIT, message: '[-2019] Insufficient tokens available' },
      );
      await client.query(INSERT_AUDIT, auditColumns(events));
      await client.query('COMMIT');
      return verdicts;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
