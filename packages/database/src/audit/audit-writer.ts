import type { Pool } from 'pg';
import type { AuditEventInput } from './audit-event';
import { GroupCommit, type GroupCommitOptions } from './group-commit';

/**
 * One statement: the rows, and their counts added to the hourly usage roll-up (openplay_usage_add, see the migration
 * `usage_hourly`). A data-modifying WITH runs to completion whether or not the outer query reads it.
 */
const INSERT_AUDIT = `
WITH inserted AS (
INSERT INTO audit_events
  (at, kind, drm, environment, account_number, token_id, kid, cookie, result_code, message,
   client_address, user_agent, request_type, device)
SELECT coalesce(r.at, now()), r.kind, r.drm, r.environment, r."accountNumber", r."tokenId", r.kid, r.cookie,
       r."resultCode", r.message, r."clientAddress", r."userAgent", r."requestType", r.device
FROM json_to_recordset($1::json) AS r(
  at timestamptz, kind "AuditKind", drm "Drm", environment "Environment", "accountNumber" int, "tokenId" text,
  kid text, cookie text, "resultCode" int, message text, "clientAddress" text, "userAgent" text,
  "requestType" text, device jsonb))
SELECT openplay_usage_add($1::json)`;

/**
 * Audit events as one JSON array for a batch statement (here, and the redemption ledger's batch function): PostgreSQL
 * reads the rows by their AuditEventInput keys. One native JSON.stringify per batch; fourteen array parameters made
 * pg escape every value into an array literal, the largest share of a request's database work on the event loop.
 */
export function auditRowsJson(events: readonly AuditEventInput[]): string {
  const json = JSON.stringify(events);
  // PostgreSQL text holds no NUL, and json text neither NUL nor a lone surrogate. Clients put text in rows (a
  // device's client_info, a user agent, a value a refusal's message quotes), and one such character would make
  // PostgreSQL refuse the whole group commit: every request sharing it would fail. JSON.stringify writes both as
  // \u escapes, so they are looked for in its output (rare; a literal "\u0000" in a text only costs the slow path),
  // and then every string, and every key of a device's facts, is stored with U+FFFD in their place.
  return /\\u0000|\\ud[89a-f]/.test(json) ? JSON.stringify(storable(events)) : json;
}

const NUL_OR_LONE_SURROGATE = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function storable(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(NUL_OR_LONE_SURROGATE, '\ufffd');
  if (Array.isArray(value)) return value.map(storable);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [storable(key) as string, storable(item)]));
}

/** Writes audit rows durably in group commits; `write` resolves once the row is committed. */
export class AuditWriter {
  private readonly commits: GroupCommit<AuditEventInput>;

  constructor(pool: Pool, options?: GroupCommitOptions) {
    this.commits = new GroupCommit<AuditEventInput>(async (events) => {
      await pool.query(INSERT_AUDIT, [auditRowsJson(events)]);
      return events.map(() => undefined as void);
    }, options);
  }

  write(event: AuditEventInput): Promise<void> {
    return this.commits.submit(event);
  }

  idle(): Promise<void> {
    return this.commits.idle();
  }
}
