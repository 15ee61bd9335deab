import { Inject, Injectable } from '@nestjs/common';
import {
  type Authenticator,
  type Drm,
  type Environment,
  ExpressPlayError,
  hashAuthenticatorSecret,
  matchesAnyHash,
} from '@openplay/core';
import { type AccountCredentials, AccountRepository, type AccountView } from '@openplay/database';
import { TOKEN_GEN_CONFIG } from '../config/config.provider';
import type { TokenGenConfig } from '../config/token-gen.config';

interface CacheEntry {
  readonly at: number;
  readonly value: Promise<AccountCredentials | null>;
}

/**
 * Who may get a token: authenticator, account status, DRM switches and balance, in that order.
 * Accounts are cached per instance for ACCOUNT_CACHE_TTL_MS (admin changes take effect within it),
 * so the hot path costs no query; concurrent misses share one query.
 */
@Injectable()
export class AccountGate {
  private readonly cache = new Map<number, CacheEntry>();
  private readonly pepper: Buffer;
  private readonly environment: Environment;
  private readonly otherEnvironment: Environment;
  private readonly ttlMs: number;

  constructor(
    @Inject(AccountRepository) private readonly accounts: AccountRepository,
    @Inject(TOKEN_GEN_CONFIG) config: TokenGenConfig,
  ) {
    this.pepper = Buffer.from(config.AUTHENTICATOR_PEPPER, 'hex');
    this.environment = config.ENVIRONMENT;
    this.otherEnvironment = config.ENVIRONMENT === 'test' ? 'production' : 'test';
    this.ttlMs = config.ACCOUNT_CACHE_TTL_MS;
  }

  /** The account the authenticator names once it passes every check; else the spec's error. */
  async admit(authenticator: Authenticator, drm: Drm): Promise<AccountView> {
    const credentials = await this.credentials(authenticator.account);
    const hash = hashAuthenticatorSecret(this.pepper, authenticator.secret);
    if (!credentials || !matchesAnyHash(hash, credentials.hashes[this.environment])) {
      if (credentials && matchesAnyHash(hash, credentials.hashes[this.otherEnvironment])) {
        throw new ExpressPlayError(-2018, `this is a ${this.otherEnvironment} authenticator; this service is ${this.environment}`);
      }
      throw new ExpressPlayError(-2018, 'unknown account or secret');
    }
    const { account } = credentials;
    if (account.status !== 'active') throw new ExpressPlayError(-2031);
    if (drm === 'wv' && !account.widevineEnabled) throw new ExpressPlayError(-7011);
    if (drm === 'fp' && !account.fairplayAuthorized) throw new ExpressPlayError(-6006);
    if (drm === 'fp' && !account.fairplayEnabled) throw new ExpressPlayError(-6009);
    if (account.credits !== null && account.credits <= 0n) throw new ExpressPlayError(-2019, 'the account has no credits left');
    return account;
  }

  private credentials(number: number): Promise<AccountCredentials | null> {
    const now = Date.now();
    const cached = this.cache.get(number);
    if (cached && now - cached.at < this.ttlMs) return cached.value;
    const value = this.accounts.credentials(number);
    if (this.ttlMs > 0) {
      this.cache.set(number, { at: now, value });
      // A failed lookup must not be served from the cache.
      value.catch(() => this.cache.delete(number));
      if (this.cache.size > 100_000) this.cache.clear();
    }
    return value;
  }
}
