import { Inject, Injectable } from '@nestjs/common';
import {
  assertAccountServes,
  type Authenticator,
  type Drm,
  type Environment,
  ExpressPlayError,
  hashAuthenticatorSecret,
  matchesAnyHash,
} from '@openplay/core';
import { AccountChangeFeed, type AccountCredentials, AccountRepository, type AccountView } from '@openplay/database';
import { accountCache, type TtlCache } from '@openplay/nest-kit';
import { TOKEN_GEN_CONFIG } from '../config/config.provider';
import type { TokenGenConfig } from '../config/token-gen.config';

/**
 * Who may get a token: the authenticator (-2018, also for the other environment's), then the account's
 * status and DRM switches (the balance comes after the request's parameters, in TokenIssuer). Accounts are cached per instance until the database says they changed
 * (AccountChangeFeed), and at most ACCOUNT_CACHE_TTL_MS.
 */
@Injectable()
export class AccountGate {
  private readonly cache: TtlCache<number, AccountCredentials | null>;
  private readonly pepper: Buffer;
  private readonly environment: Environment;
  private readonly otherEnvironment: Environment;

  constructor(
    @Inject(AccountRepository) private readonly accounts: AccountRepository,
    @Inject(TOKEN_GEN_CONFIG) config: TokenGenConfig,
    @Inject(AccountChangeFeed) accountChanges: AccountChangeFeed,
  ) {
    this.pepper = Buffer.from(config.AUTHENTICATOR_PEPPER, 'hex');
    this.environment = config.ENVIRONMENT;
    this.otherEnvironment = config.ENVIRONMENT === 'test' ? 'production' : 'test';
    this.cache = accountCache(config.ACCOUNT_CACHE_TTL_MS, accountChanges);
  }

  /**
   * The account the authenticator names once it passes the authenticator, status and DRM checks; else the spec's
   * error. The balance (-2019) is the caller's to check, after the request's parameters (assertHasCredits).
   */
  async admit(authenticator: Authenticator, drm: Drm): Promise<AccountView> {
    const account = await this.verify(authenticator);
    assertAccountServes(account, drm, false);
    return account;
  }

  /**
   * The account for calls that are not token requests (record retrieval, key storage): the same authenticator
   * rules (-2018) and status (-2031) as a token request, without the DRM switches and the balance.
   */
  async authenticate(authenticator: Authenticator): Promise<AccountView> {
    const account = await this.verify(authenticator);
    if (account.status !== 'active') throw new ExpressPlayError(-2031);
    return account;
  }

  private async verify(authenticator: Authenticator): Promise<AccountView> {
    const credentials = await this.cache.get(authenticator.account, (number: number) =>
      this.accounts.credentials(number),
    );
    const hash = hashAuthenticatorSecret(this.pepper, authenticator.secret);
    if (!credentials || !matchesAnyHash(hash, credentials.hashes[this.environment])) {
      if (credentials && matchesAnyHash(hash, credentials.hashes[this.otherEnvironment])) {
        throw new ExpressPlayError(
          -2018,
          `this is a ${this.otherEnvironment} authenticator; this service is ${this.environment}`,
        );
      }
      throw new ExpressPlayError(-2018, 'unknown account or secret');
    }
    return credentials.account;
  }
}
