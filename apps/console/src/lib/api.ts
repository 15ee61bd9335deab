// The console's calls, all same-origin to token-gen: the admin API (docs/api.md §8) with the admin key as bearer,
// and the customer's own endpoints (record retrieval, key store, usage; §6, §7) with the authenticator as
// `customerAuthenticator`, as any client sends it.
import type { Credential } from './session';
import type { Drm, Usage } from './usage';

/** An answer that was not a success: the service's code and message when it sent JSON, else the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface AuditRecord {
  id: string;
  time: string;
  kind: string;
  drm: string | null;
  environment: string | null;
  tokenId: string | null;
  kid: string | null;
  cookie: string | null;
  resultCode: number;
  message: string | null;
  clientAddress: string | null;
  userAgent: string | null;
  account?: number | null;
  requestType?: string | null;
  device?: Record<string, unknown> | null;
}

export interface StoredKey {
  kid: string;
  kekId: string;
  ek: string;
  info?: string;
  contentId?: string;
  expiration?: string;
  lastUpdate: string;
}

export interface Account {
  id: number;
  number: number;
  name: string;
  status: string;
  credits: number | null;
  widevineEnabled: boolean;
  fairplayAuthorized: boolean;
  fairplayEnabled: boolean;
  clearKeyEnabled: boolean;
  /** Account-wide limits (docs/api.md §13.1); null: none. */
  maxStreams: number | null;
  streamLimitMode: 'deny' | 'stopOldest' | null;
  maxDevices: number | null;
  deviceWindow: number | null;
}

/** Limits as an operator types them: blank text clears a limit; the admin API checks the rest (400 naming the field). */
export interface LimitsInput {
  maxStreams: string;
  streamLimitMode: 'deny' | 'stopOldest';
  maxDevices: string;
  /** Blank: the default window (30 days). */
  deviceWindow: string;
}

export interface Authenticator {
  id: number;
  environment: 'test' | 'production';
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
  authenticator?: string;
}

export type Switch = 'widevineEnabled' | 'fairplayAuthorized' | 'fairplayEnabled' | 'clearKeyEnabled';

export interface UsageQuery {
  from: Date;
  to: Date;
  drm?: Drm;
  /** Operators only: one account; none sums all accounts. */
  account?: number;
}

type Query = Record<string, string | number | undefined>;

function queryString(query: Query): string {
  const entries = Object.entries(query).filter((e): e is [string, string | number] => e[1] !== undefined);
  return entries.length === 0 ? '' : `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}`;
}

export class ConsoleApi {
  constructor(
    private readonly credential: Credential,
    private readonly fetchFn: typeof fetch = (...args) => fetch(...args),
  ) {}

  private async call<T>(method: string, path: string, query: Query = {}, body?: unknown): Promise<ApiResponse<T>> {
    const customer = this.credential.role === 'customer';
    const headers: Record<string, string> = { accept: 'application/json' };
    if (!customer) headers.authorization = `Bearer ${this.credential.secret}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const fullQuery = customer ? { customerAuthenticator: this.credential.secret, ...query } : query;
    const response = await this.fetchFn(`${path}${queryString(fullQuery)}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
    const text = await response.text();
    const json = parseJson(text);
    if (!response.ok) {
      const error = json as { code?: number; message?: string } | null;
      throw new ApiError(
        response.status,
        typeof error?.code === 'number' ? error.code : response.status,
        typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`,
      );
    }
    return { body: json as T, link: response.headers.get('link') };
  }

  // ---- both roles

  usage(query: UsageQuery): Promise<Usage> {
    const common = { from: query.from.toISOString(), to: query.to.toISOString(), drm: query.drm };
    return this.credential.role === 'customer'
      ? this.call<Usage>('GET', '/cmiapi/usage', common).then((r) => r.body)
      : this.call<Usage>('GET', '/admin/usage', { ...common, account: query.account }).then((r) => r.body);
  }

  /** Operators search every account's records (cookie, token id, account); customers their own (cookie, record id). */
  async records(search: { cookie?: string; tokenId?: string; id?: string; account?: number }): Promise<AuditRecord[]> {
    if (this.credential.role === 'operator') {
      const { body } = await this.call<AuditRecord[]>('GET', '/admin/logs', {
        cookie: search.cookie,
        tokenId: search.tokenId,
        account: search.account,
        limit: 200,
      });
      return body;
    }
    const { body } = await this.call<{ records: AuditRecord[] }>('GET', '/cmiapi/getrecord/', {
      errorFormat: 'json',
      cookie: search.cookie,
      id: search.id,
      length: search.cookie === undefined && search.id === undefined ? 100 : undefined,
    });
    return body.records;
  }

  // ---- customers

  async keys(after?: string, limit = 50): Promise<{ keys: StoredKey[]; next: string | null }> {
    const { body, link } = await this.call<StoredKey[]>('GET', '/keystore/keys', { after, limit });
    return { keys: body, next: nextAfter(link) };
  }

  async keyCount(): Promise<number> {
    return (await this.call<{ keyCount: number }>('GET', '/keystore/keycount')).body.keyCount;
  }

  // ---- operators

  async accounts(): Promise<Account[]> {
    return (await this.call<Account[]>('GET', '/admin/accounts')).body;
  }

  async account(number: number): Promise<Account & { authenticators: Authenticator[] }> {
    return (await this.call<Account & { authenticators: Authenticator[] }>('GET', `/admin/accounts/${number}`)).body;
  }

  async createAccount(input: {
    name: string;
    credits: number | null;
    widevine: boolean;
    fairplay: boolean;
    clearKey: boolean;
  }): Promise<{ account: number; authenticators: { test: string; production: string } }> {
    return (
      await this.call<{ account: number; authenticators: { test: string; production: string } }>(
        'POST',
        '/admin/accounts',
        {},
        { ...input, credits: input.credits ?? 'unlimited' },
      )
    ).body;
  }

  async setCredits(number: number, credits: number | null): Promise<Account> {
    return (
      await this.call<Account>('PUT', `/admin/accounts/${number}/credits`, {}, { credits: credits ?? 'unlimited' })
    ).body;
  }

  async setSwitch(number: number, name: Switch, on: boolean): Promise<Account> {
    return (await this.call<Account>('PATCH', `/admin/accounts/${number}/options`, {}, { [name]: on })).body;
  }

  /** Sets both limits as typed: each one blank is cleared ("none"), else sent with its mode or window. */
  async setLimits(number: number, input: LimitsInput): Promise<Account> {
    const streams = input.maxStreams.trim();
    const devices = input.maxDevices.trim();
    const window = input.deviceWindow.trim();
    const body = {
      maxStreams: streams || 'none',
      ...(streams && { streamLimitMode: input.streamLimitMode }),
      maxDevices: devices || 'none',
      ...(devices && window && { deviceWindow: window }),
    };
    return (await this.call<Account>('PATCH', `/admin/accounts/${number}/limits`, {}, body)).body;
  }

  async setEnabled(number: number, enabled: boolean): Promise<Account> {
    return (await this.call<Account>('POST', `/admin/accounts/${number}/${enabled ? 'enable' : 'disable'}`)).body;
  }

  async addAuthenticator(number: number, environment: 'test' | 'production', label?: string): Promise<Authenticator> {
    const body = label ? { environment, label } : { environment };
    return (await this.call<Authenticator>('POST', `/admin/accounts/${number}/authenticators`, {}, body)).body;
  }

  async revokeAuthenticator(number: number, id: number): Promise<void> {
    await this.call('DELETE', `/admin/accounts/${number}/authenticators/${id}`);
  }

  /** Checks the credential with a cheap call of its role: a wrong key or authenticator throws ApiError. */
  async check(): Promise<void> {
    if (this.credential.role === 'operator') await this.call('GET', '/admin/accounts');
    else await this.keyCount();
  }
}

/** The body as JSON; null when empty or not JSON (a proxy's HTML error page). */
function parseJson(text: string): unknown {
  try {
    return text === '' ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

interface ApiResponse<T> {
  body: T;
  link: string | null;
}

/** The `after` kid of a key store page's `Link: </keystore/keys?after=<kid>&limit=N>; rel="next"`. */
export function nextAfter(link: string | null): string | null {
  const match = /<([^>]+)>\s*;\s*rel="next"/.exec(link ?? '');
  if (!match) return null;
  return new URL(match[1], 'http://x').searchParams.get('after');
}
