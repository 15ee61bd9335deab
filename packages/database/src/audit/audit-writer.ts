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
    events.map((e) => storable(e.tokenId)),
    events.map((e) => storable(e.kid)),
    events.map((e) => storable(e.cookie)),
    events.map((e) => e.resultCode),
    events.map((e) => storable(e.message)),
    events.map((e) => storable(e.clientAddress)),
    events.map((e) => storable(e.userAgent)),
    events.map((e) => storable(e.requestType ?? null)),
    events.map((e) => deviceJson(e.device)),
  ];
}

// PostgreSQL text holds no NUL, and jsonb neither NUL nor a lone surrogate. Clients put text in rows (a device's
// client_info, a user agent, a value a refusal's message quotes), and one such character would make PostgreSQL
// refuse the whole group commit: every request sharing it would fail. Such characters are stored as U+FFFD.
const UNSTORABLE = /[\0\ud800-\udfff]/;
const NUL_OR_LONE_SURROGATE = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function storable(text: string | null): string | null {
  // The test is cheap and almost always false (it is true for an emoji too, which the replacement then keeps).
  return text !== null && UNSTORABLE.test(text) ? text.replace(NUL_OR_LONE_SURROGATE, '\ufffd') : text;
}

/** JSON.stringify writes NUL and lone surrogates as \u escapes, which jsonb refuses: rare, so looked for in its output. */
function deviceJson(device: AuditEventInput['device']): string | null {
  if (!device) return null;
  const json = JSON.stringify(device);
  return /\\u0000|\\ud[89a-f]/.test(json) ? JSON.stringify(device, (_key, value: unknown) => (typeof value === 'string' ? storable(value) : value)) : json;
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
