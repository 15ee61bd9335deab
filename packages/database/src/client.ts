import { PrismaPg } from '@prisma/adapter-pg';
import { Client, type ClientConfig, Pool } from 'pg';
import { PrismaClient } from './generated/client';

export interface DatabaseOptions {
  readonly connectionString: string;
  /** Connections in the pool shared by Prisma and the batched writers. */
  readonly poolSize?: number;
  /** Longest a new connection may take to be ready (TCP, start-up, authentication). */
  readonly connectTimeoutMs?: number;
  /** Longest a query waits for a pooled connection, connecting a new one included. */
  readonly acquireTimeoutMs?: number;
  /**
   * Longest a statement may run: PostgreSQL cancels it then (statement_timeout, 57014), and the client gives up
   * STATEMENT_GRACE_MS later, since a frozen server or network never answers, not even with a cancellation.
   */
  readonly statementTimeoutMs?: number;
}

export const DATABASE_TIMEOUT_DEFAULTS = {
  connectTimeoutMs: 2000,
  acquireTimeoutMs: 2000,
  statementTimeoutMs: 2000,
} as const;

/** The server's own cancellation (a clean 57014 and a connection still usable) should come first when it can. */
export const STATEMENT_GRACE_MS = 250;

export function createPool(options: DatabaseOptions): Pool {
  const { connectionString, poolSize = 10 } = options;
  const { connectTimeoutMs, acquireTimeoutMs, statementTimeoutMs } = {
    ...DATABASE_TIMEOUT_DEFAULTS,
    ...definedOnly(options),
  };
  const pool = new Pool({
    connectionString,
    max: poolSize,
    // pg-pool's connectionTimeoutMillis bounds the wait for a client, a new connection included; the client's
    // own connect timeout (below) can be shorter.
    connectionTimeoutMillis: acquireTimeoutMs,
    Client: clientClass(connectTimeoutMs),
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + STATEMENT_GRACE_MS,
  });
  // An idle client's network error must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * pg's clients with their own connect timeout, and which close their connection when a query times out on the
 * client side: the answer may still come (or never will), so the connection must not serve another query, even
 * when its user (Prisma's transactions) hands it back to the pool without an error.
 */
function clientClass(connectTimeoutMs: number): typeof Client {
  return class TimedClient extends Client {
    constructor(config: ClientConfig) {
      super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
      // A lost connection is reported to its queries; the client's 'error' event must not crash a process in
      // which nobody listens for it (a client checked out of the pool has no pool listener).
      this.on('error', () => undefined);
    }

    // pg's query() has a dozen overloads (config or text, values, callback); this wraps them all alike.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    override query(...args: unknown[]): any {
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === 'function') {
        const reply = callback as (error: unknown, result: unknown) => void;
        args[last] = (error: unknown, result: unknown) => {
          reply(error, result);
          this.discardAfterTimeout(error);
        };
        return (super.query as (...a: unknown[]) => unknown)(...args);
      }
      const result = (super.query as (...a: unknown[]) => unknown)(...args);
      if (result instanceof Promise) result.catch((error: unknown) => this.discardAfterTimeout(error));
      return result;
    }

    private discardAfterTimeout(error: unknown): void {
      if ((error as Error | undefined)?.message !== 'Query read timeout') return;
      (this as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    }
  };
}

export function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** One pool for everything: Prisma queries and the raw batched statements share the same connections. */
export function createPrismaClient(pool: Pool): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(pool) });
}
