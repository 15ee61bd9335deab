import { ApiError, formatAuthenticator, hashAuthenticatorSecret, isUnsafeText, newAuthenticatorSecret } from '@openplay/core';
import type { AccountRepository, AccountView, AuditQuery, AuditRecord, AuditSearch, AuthenticatorView, Environment } from '@openplay/database';

/**
 * What operators can do to accounts. The admin CLI and the admin API are thin shells over this, so both have
 * the same powers and the same rules. Secrets are returned only by the calls that create them. `audit` serves
 * `logs`; without it (tests that only manage accounts) `logs` is refused.
 */
export class AdminCommands {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly pepper: Buffer,
    private readonly audit?: AuditQuery,
  ) {}

  async createAccount(input: { name: string; credits: bigint | null; widevine: boolean; fairplay: boolean }) {
    checkText('name', input.name);
    const secrets = { test: newAuthenticatorSecret(), production: newAuthenticatorSecret() };
    const account = await this.accounts.create({
      name: input.name,
      credits: input.credits,
      widevineEnabled: input.widevine,
      fairplayAuthorized: input.fairplay,
      fairplayEnabled: input.fairplay,
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

  setOptions(number: number, options: { widevineEnabled?: boolean; fairplayAuthorized?: boolean; fairplayEnabled?: boolean; name?: string }) {
    if (options.name !== undefined) checkText('name', options.name);
    return this.required(this.accounts.update(number, options), number);
  }

  setStatus(number: number, status: 'active' | 'disabled'): Promise<AccountView> {
    return this.required(this.accounts.update(number, { status }), number);
  }

  async addAuthenticator(number: number, environment: Environment, label: string | null) {
    if (label !== null) checkText('label', label);
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

  /** Audit records across accounts by cookie, token id and/or account (all given must match), newest first. */
  logs(filter: AuditSearch, limit: number): Promise<AuditRecord[]> {
    if (!this.audit) throw new Error('AdminCommands was built without an AuditQuery');
    if (filter.cookie === undefined && filter.tokenId === undefined && filter.accountNumber === undefined) {
      throw new AdminError('give a cookie, a token id or an account to search the logs by', 'invalid');
    }
    if (filter.cookie !== undefined && (filter.cookie === '' || Array.from(filter.cookie).length > 32)) {
      throw new AdminError('a cookie has 1 to 32 characters', 'invalid');
    }
    if (filter.cookie !== undefined) checkText('cookie', filter.cookie);
    if (filter.tokenId !== undefined && !/^[0-9a-fA-F]{32}$/.test(filter.tokenId)) throw new AdminError('a token id is 32 hex digits', 'invalid');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw new AdminError('the limit must be a whole number from 1 to 1000', 'invalid');
    return this.audit.search({ ...filter, tokenId: filter.tokenId?.toLowerCase() }, limit);
  }

  private async required<T>(value: Promise<T | null>, number: number): Promise<T> {
    const found = await value;
    if (found === null) throw new AdminError(`no account ${number}`, 'not-found');
    return found;
  }
}

/** Names, labels and cookies are text: a control character (NUL, which PostgreSQL refuses, among them) is an input error. */
function checkText(what: string, value: string): void {
  if (isUnsafeText(value)) throw new AdminError(`${what} must not contain control characters or broken UTF-16`, 'invalid');
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
