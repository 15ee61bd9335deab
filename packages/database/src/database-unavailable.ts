/**
 * "The database cannot answer right now" — down, frozen, restarting, out of connections — told apart from every
 * other failure in one place, so that the apps answer 503 with Retry-After instead of 500. The error reaches the
 * apps raw from pg (pool.query), or wrapped by Prisma (a known request error whose meta holds the driver adapter's
 * error, or an unknown one whose cause is pg's), so the whole chain is read.
 */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';

  constructor(
    /** Short and free of secrets: it goes in logs. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`database unavailable: ${reason}`, options);
  }
}

/** SQLSTATEs of a server that is going away, refusing connections, or cancelled the statement (statement_timeout). */
const UNAVAILABLE_SQLSTATES: Readonly<Record<string, string>> = {
  '57014': 'query_canceled (statement timeout)',
  '57P01': 'admin_shutdown',
  '57P02': 'crash_shutdown',
  '57P03': 'cannot_connect_now',
  '57P05': 'idle_session_timeout',
  '53300': 'too_many_connections',
  '55P03': 'lock_not_available (lock timeout)',
};

/** Class 08: connection exception. */
const CONNECTION_EXCEPTION = /^08[0-9A-Z]{3}$/;

const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EAI_AGAIN',
  // A database host whose name does not resolve yet (a service being created); Prisma counts it as not reachable too.
  'ENOTFOUND',
]);

/** Prisma's codes for the same conditions (when its wrapping is all that is left). */
const UNAVAILABLE_PRISMA_CODES: Readonly<Record<string, string>> = {
  P1001: 'database not reachable',
  P1002: 'database timed out',
  P1008: 'socket timeout',
  P1017: 'server closed the connection',
  P2024: 'timed out waiting for a pooled connection',
};

/** The driver adapter's error kinds, for the same conditions. */
const UNAVAILABLE_ADAPTER_KINDS: Readonly<Record<string, string>> = {
  DatabaseNotReachable: 'database not reachable',
  SocketTimeout: 'socket timeout',
  ConnectionClosed: 'server closed the connection',
};

/**
 * pg and pg-pool give these failures no code, only a message (pg 8 / pg-pool 3): the client-side query timeout,
 * the acquire and connect timeouts, and a connection lost under a query.
 */
const UNAVAILABLE_MESSAGES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^Query read timeout$/, 'query timeout'],
  [/^timeout exceeded when trying to connect$/, 'timed out waiting for a pooled connection'],
  [/^Connection terminated due to connection timeout$/, 'connect timeout'],
  [/^timeout expired$/, 'connect timeout'],
  [/^Connection terminated( unexpectedly)?$/, 'connection lost'],
  [/^Client has encountered a connection error and is not queryable$/, 'connection lost'],
];

/** Why the database is unavailable, if that is what `error` (or what it wraps) says; else null. */
export function databaseUnavailableReason(error: unknown): string | null {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0 && seen.size < 16) {
    const current = pending.shift();
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const reason = reasonOf(current as Record<string, unknown>);
    if (reason) return reason;
    const { cause, meta } = current as { cause?: unknown; meta?: { driverAdapterError?: unknown } };
    pending.push(cause, meta?.driverAdapterError);
  }
  return null;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return databaseUnavailableReason(error) !== null;
}

function reasonOf(error: Record<string, unknown>): string | null {
  if (error instanceof DatabaseUnavailableError) return error.reason;
  const code = typeof error['code'] === 'string' ? error['code'] : undefined;
  // The driver adapter's cause: { kind, originalCode?, originalMessage? }.
  const originalCode = typeof error['originalCode'] === 'string' ? error['originalCode'] : undefined;
  for (const sqlstate of [code, originalCode]) {
    if (!sqlstate) continue;
    if (UNAVAILABLE_SQLSTATES[sqlstate]) return `${sqlstate} ${UNAVAILABLE_SQLSTATES[sqlstate]}`;
    if (CONNECTION_EXCEPTION.test(sqlstate)) return `${sqlstate} connection exception`;
    if (UNAVAILABLE_ERRNOS.has(sqlstate)) return sqlstate;
    if (UNAVAILABLE_PRISMA_CODES[sqlstate]) return `${sqlstate} ${UNAVAILABLE_PRISMA_CODES[sqlstate]}`;
  }
  const kind = typeof error['kind'] === 'string' ? error['kind'] : undefined;
  if (kind && UNAVAILABLE_ADAPTER_KINDS[kind]) return UNAVAILABLE_ADAPTER_KINDS[kind];
  const message = typeof error['message'] === 'string' ? error['message'] : undefined;
  if (message) {
    for (const [pattern, reason] of UNAVAILABLE_MESSAGES) if (pattern.test(message)) return reason;
  }
  return null;
}
