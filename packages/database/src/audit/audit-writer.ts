import type { Pool } from 'pg';
import type { AuditEventInput } from './audit-event';
import { GroupCommit } from './group-commit';

const INSERT_AUDIT = `
INSERT INTO audit_events
  (at, kind, drm, environment, account_number, token_id, kid, cookie, result_code, message,
   client_address, user_agent, request_type, device)
SELECT * FROM unnest(
  $1::timestamptz[], $2::"AuditKind"[], $3::"Drm"[], $4::"Environment"[], $5::int[], $6::text[], $7::text[],
  $8::text[], $9::int[], $10::text[], $11::text[], $12::text[], $13::text[], $14::jsonb[])`;

/** Column arrays of audit events, for one multi-row INSERT (and the redemption ledger's batch function). */
export function auditColumns(events: readonly AuditEventInput[]): unknown[] {
  const now = new Date();
  return [
    events.map((e) => e.at ?? now),
    events.map((e) => e.kind),
    events.map((e) => e.drm),
    events.map((e) => e.environment),
    events.map((e) => e.accountNumber),
    events.map((e) => e.tokenId),
    events.map((e) => e.kid),
    events.map((e) => e.cookie),
    events.map((e) => e.resultCode),
    events.map((e) => e.message),
    events.map((e) => e.clientAddress),
    events.map((e) => e.userAgent),
    events.map((e) => e.requestType ?? null),
    events.map((e) => (e.device ? JSON.stringify(e.device) : null)),
  ];
}


/** Writes audit rows durably in group commits; `write` resolves once the row is committed. */
export class AuditWriter {
  private readonly commits: GroupCommit<AuditEventInput>;

  constructor(pool: Pool, maxBatch?: number) {
    this.commits = new GroupCommit<AuditEventInput>(async (events) => {
      await pool.query(INSERT_AUDIT, auditColumns(events));
      return events.map(() => undefined as void);
    }, maxBatch);
  }

  write(event: AuditEventInput): Promise<void> {
    return this.commits.submit(event);
  }

  idle(): Promise<void> {
    return this.commits.idle();
  }
}
