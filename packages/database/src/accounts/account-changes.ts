import { Client } from 'pg';
import { DATABASE_TIMEOUT_DEFAULTS, definedOnly, STATEMENT_GRACE_MS } from '../client';

/** The channel the database's triggers notify with an account number (migration `account_change_notify`). */
export const ACCOUNT_CHANGES_CHANNEL = 'openplay_account_changes';

export interface AccountChangeHandlers {
  /** The account's status, switches, name or authenticators changed (credit balances do not notify). */
  changed(accountNumber: number): void;
  /** Changes may have been missed (the feed was not listening for a while): forget every cached account. */
  unknown(): void;
}

export interface AccountChangeFeedOptions {
  readonly connectionString: string;
  readonly connectTimeoutMs?: number;
  readonly statementTimeoutMs?: number;
  /** How often the idle connection proves it is alive; a frozen network is noticed within this plus the timeout. */
  readonly heartbeatMs?: number;
  /** First and longest wait before reconnecting; the wait doubles between. */
  readonly retryMs?: { readonly first: number; readonly longest: number };
}

/**
 * Admin changes made on any instance (or by the CLI, or by hand in SQL) reach every instance's account caches
 * through PostgreSQL's LISTEN/NOTIFY, so that a disabled account or a revoked authenticator stops working within
 * milliseconds rather than within the caches' TTL. The feed holds one connection of its own, outside the pool.
 *
 * It never throws and never blocks a request: while it is not listening (start-up, an outage) every change is
 * treated as unknown and the caches' TTL bounds how stale an account can be, as before.
 */
export class AccountChangeFeed {
  readonly #handlers = new Set<AccountChangeHandlers>();
  readonly #options: Required<AccountChangeFeedOptions>;
  #client: Client | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #retry: NodeJS.Timeout | null = null;
  #nextRetryMs: number;
  #listening = false;
  #stopped = true;

  constructor(options: AccountChangeFeedOptions) {
    this.#options = {
      connectTimeoutMs: DATABASE_TIMEOUT_DEFAULTS.connectTimeoutMs,
      statementTimeoutMs: DATABASE_TIMEOUT_DEFAULTS.statementTimeoutMs,
      heartbeatMs: 5000,
      retryMs: { first: 250, longest: 10_000 },
      ...definedOnly(options),
      connectionString: options.connectionString,
    };
    this.#nextRetryMs = this.#options.retryMs.first;
  }

  /** True while the feed's LISTEN is in place: changes arrive as they are committed. */
  get listening(): boolean {
    return this.#listening;
  }

  /** Returns the function that unsubscribes. */
  subscribe(handlers: AccountChangeHandlers): () => void {
    this.#handlers.add(handlers);
    return () => this.#handlers.delete(handlers);
  }

  /** Starts listening in the background; resolves once the first attempt has succeeded or failed. */
  start(): Promise<void> {
    if (!this.#stopped) return Promise.resolve();
    this.#stopped = false;
    return this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    await this.#drop();
  }

  async #connect(): Promise<void> {
    const { connectionString, connectTimeoutMs, statementTimeoutMs } = this.#options;
    const client = new Client({
      connectionString,
      connectionTimeoutMillis: connectTimeoutMs,
      statement_timeout: statementTimeoutMs,
      query_timeout: statementTimeoutMs + STATEMENT_GRACE_MS,
      keepAlive: true,
      application_name: 'openplay-account-changes',
    });
    this.#client = client;
    client.on('error', () => void this.#lost(client));
    client.on('end', () => void this.#lost(client));
    client.on('notification', (message) => {
      if (message.channel !== ACCOUNT_CHANGES_CHANNEL) return;
      const accountNumber = Number(message.payload);
      if (Number.isSafeInteger(accountNumber)) this.#emit((h) => h.changed(accountNumber));
      else this.#emit((h) => h.unknown());
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${ACCOUNT_CHANGES_CHANNEL}`);
    } catch {
      await this.#lost(client);
      return;
    }
    if (this.#client !== client) return;
    this.#listening = true;
    this.#nextRetryMs = this.#options.retryMs.first;
    // Whatever was cached before LISTEN took effect may have changed unseen.
    this.#emit((h) => h.unknown());
    this.#heartbeat = setInterval(() => {
      client.query('SELECT 1').catch(() => this.#lost(client));
    }, this.#options.heartbeatMs);
    this.#heartbeat.unref();
  }

  async #lost(client: Client): Promise<void> {
    if (this.#client !== client) return;
    const wasListening = this.#listening;
    await this.#drop();
    if (wasListening) this.#emit((h) => h.unknown());
    if (this.#stopped) return;
    const wait = this.#nextRetryMs;
    this.#nextRetryMs = Math.min(wait * 2, this.#options.retryMs.longest);
    this.#retry = setTimeout(() => {
      this.#retry = null;
      if (!this.#stopped) void this.#connect();
    }, wait);
    this.#retry.unref();
  }

  async #drop(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    this.#listening = false;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    // end() waits for the server's goodbye, which a frozen network never sends.
    if (client) await Promise.race([client.end().catch(() => undefined), delay(this.#options.connectTimeoutMs)]);
  }

  #emit(call: (handlers: AccountChangeHandlers) => void): void {
    for (const handlers of this.#handlers) call(handlers);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
