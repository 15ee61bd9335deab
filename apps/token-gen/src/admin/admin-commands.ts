import {
  ApiError,
  DEFAULT_DEVICE_WINDOW,
  formatAuthenticator,
  hashAuthenticatorSecret,
  newAuthenticatorSecret,
  readUsageRange,
} from '@openplay/core';
import type {
  AccountLimits,
  AccountRepository,
  AccountView,
  AuditQuery,
  AuditRecord,
  AuditSearch,
  AuthenticatorView,
  Drm,
  Environment,
  UsageQuery,
} from '@openplay/database';
import { usageResponse, type UsageResponse } from '../usage/usage-response';

/**
 * What operators can do to accounts. The admin CLI and the admin API are thin shells over this, so both have
 * the same powers and the same rules. Input arrives checked: both read it into the same DTOs (admin-input.ts), whose
 * bounds are core's. Secrets are returned only by the calls that create them. `audit` serves `logs`; without it
 * (tests that only manage accounts) `logs` is refused.
 */
export class AdminCommands {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly pepper: Buffer,
    private readonly audit?: AuditQuery,
    private readonly usageQuery?: UsageQuery,
  ) {}

  async createAccount(input: {
    name: string;
    credits: bigint | null;
    widevine: boolean;
    fairplay: boolean;
    /** Absent: on, the column's default. */
    clearKey?: boolean;
  }) {
    const secrets = { test: newAuthenticatorSecret(), production: newAuthenticatorSecret() };
    const account = await this.accounts.create({
      name: input.name,
      credits: input.credits,
      widevineEnabled: input.widevine,
      fairplayAuthorized: input.fairplay,
      fairplayEnabled: input.fairplay,
      clearKeyEnabled: input.clearKey,
      authenticatorHashes: {
        test: hashAuthenticatorSecret(this.pepper, secrets.test),
        production: hashAuthenticatorSecret(this.pepper, secrets.production),
      },
    });
    return {
      account,
      authenticators: {
        test: formatAuthenticator(account.number, secrets.test),
        production: formatAuthenticator(account.number, secrets.production),
      },
    };
  }

  list(): Promise<AccountView[]> {
    return this.accounts.list();
  }

  async show(number: number): Promise<{ account: AccountView; authenticators: AuthenticatorView[] }> {
    const account = await this.required(this.accounts.findByNumber(number), number);
    return { account, authenticators: await this.accounts.authenticators(number) };
  }

  setCredits(number: number, credits: bigint | null): Promise<AccountView> {
    return this.required(this.accounts.update(number, { credits }), number);
  }

  setOptions(
    number: number,
    options: {
      widevineEnabled?: boolean;
      fairplayAuthorized?: boolean;
      fairplayEnabled?: boolean;
      clearKeyEnabled?: boolean;
      name?: string;
    },
  ) {
    return this.required(this.accounts.update(number, options), number);
  }

  /**
   * Sets or clears (null) the account's stream limit with its mode (default deny) and its default device limit with
   * its window (default 30 days); a limit not given (undefined) stays. Rights servers apply the change at once.
   */
  setLimits(
    number: number,
    limits: {
      maxStreams?: number | null;
      streamLimitMode?: 'deny' | 'stopOldest';
      maxDevices?: number | null;
      deviceWindow?: number;
    },
  ): Promise<AccountView> {
    const changes: { -readonly [K in keyof AccountLimits]?: AccountLimits[K] } = {};
    if (limits.maxStreams !== undefined) {
      changes.maxStreams = limits.maxStreams;
      changes.streamLimitMode = limits.maxStreams === null ? null : (limits.streamLimitMode ?? 'deny');
    }
    if (limits.maxDevices !== undefined) {
      changes.maxDevices = limits.maxDevices;
      changes.deviceWindow = limits.maxDevices === null ? null : (limits.deviceWindow ?? DEFAULT_DEVICE_WINDOW);
    }
    return this.required(this.accounts.update(number, changes), number);
  }

  setStatus(number: number, status: 'active' | 'disabled'): Promise<AccountView> {
    return this.required(this.accounts.update(number, { status }), number);
  }

  async addAuthenticator(number: number, environment: Environment, label: string | null) {
    const secret = newAuthenticatorSecret();
    const created = await this.required(
      this.accounts.addAuthenticator(number, environment, hashAuthenticatorSecret(this.pepper, secret), label),
      number,
    );
    return { ...created, authenticator: formatAuthenticator(number, secret) };
  }

  async revokeAuthenticator(number: number, id: number): Promise<void> {
    if (!(await this.accounts.revokeAuthenticator(number, id))) {
      throw new AdminError(`account ${number} has no live authenticator ${id}`, 'not-found');
    }
  }

  /**
   * Audit records across accounts by cookie, token id and/or account (all given must match), newest first. The
   * filter and limit are operator input, checked by LogsQueryDto (CLI and API alike).
   */
  logs(filter: AuditSearch, limit: number): Promise<AuditRecord[]> {
    if (!this.audit) throw new Error('AdminCommands was built without an AuditQuery');
    return this.audit.search({ ...filter, tokenId: filter.tokenId?.toLowerCase() }, limit);
  }

  /** The hourly usage roll-up of one account (404 when there is none) or of every account summed. */
  async usage(filter: { account?: number; from?: string; to?: string; drm?: Drm }): Promise<UsageResponse> {
    if (!this.usageQuery) throw new Error('AdminCommands was built without a UsageQuery');
    const range = readUsageRange(filter.from, filter.to);
    if (typeof range === 'string') throw new AdminError(range, 'invalid');
    const account =
      filter.account === undefined
        ? null
        : await this.required(this.accounts.findByNumber(filter.account), filter.account);
    return usageResponse(this.usageQuery, account, range, filter.drm);
  }

  private async required<T>(value: Promise<T | null>, number: number): Promise<T> {
    const found = await value;
    if (found === null) throw new AdminError(`no account ${number}`, 'not-found');
    return found;
  }
}

/** A refused admin command. The CLI prints its message; the admin API answers it as a 404 or 400 with code = status. */
export class AdminError extends ApiError {
  readonly status: 400 | 404;

  constructor(
    message: string,
    readonly kind: 'not-found' | 'invalid',
  ) {
    super(message);
    this.name = 'AdminError';
    this.status = kind === 'not-found' ? 404 : 400;
  }

  toJSON(): { code: number; message: string } {
    return { code: this.status, message: `[${this.status}] ${this.message}` };
  }
}
