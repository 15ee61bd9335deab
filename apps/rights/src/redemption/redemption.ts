import { Inject, Injectable } from '@nestjs/common';
import { assertAccountServes, type Drm, ExpressPlayError, type KeyRing, openToken, parseKeyRing, type TokenClaims } from '@openplay/core';
import { AccountRepository, type AccountView, type AuditCaller, AuditWriter, isDatabaseUnavailable, newAuditRow, RedemptionLedger } from '@openplay/database';
import { Metrics, TtlCache } from '@openplay/nest-kit';
import { RIGHTS_CONFIG } from '../config/config.module';
import type { RightsConfig } from '../config/rights.config';

export type Caller = AuditCaller;

/** What one DRM's work produced: the answer, and what the audit row tells about it. */
export interface DrmWork<T> {
  readonly result: T;
  /** 'new', 'renewal', 'release', 'service-certificate' (Widevine); 'ckc' (FairPlay). */
  readonly requestType: string;
  /** Only deliveries of a license or CKC consume a credit. */
  readonly consumesCredit: boolean;
  readonly device?: Readonly<Record<string, unknown>> | null;
}

/** Lets the DRM work tell the audit row what it learnt, even when it then refuses. */
export type AuditNote = (facts: { requestType?: string | null; device?: Readonly<Record<string, unknown>> | null }) => void;

/**
 * One redemption, whatever the DRM: open the token (-4010; another DRM's token: -6002 on FairPlay, -4010 on
 * Widevine), check the account (-2031, -7011/-6006/-6009), do the DRM work, then consume a credit and write
 * the audit row in one transaction (-2019 when none is left). Every attempt leaves one audit row before the answer.
 */
@Injectable()
export class Redemptions {
  private readonly ring: KeyRing;
  private readonly accountsCache: TtlCache<number, AccountView | null>;

  constructor(
    @Inject(RIGHTS_CONFIG) private readonly config: RightsConfig,
    @Inject(AccountRepository) private readonly accounts: AccountRepository,
    @Inject(AuditWriter) private readonly audit: AuditWriter,
    @Inject(RedemptionLedger) private readonly ledger: RedemptionLedger,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {
    this.ring = parseKeyRing(config.TOKEN_KEYS);
    this.accountsCache = new TtlCache(config.ACCOUNT_CACHE_TTL_MS);
  }

  /**
   * `requestKind` reads, without trusting the bytes, what the request asks for; it is only called for a refusal
   * that the DRM work did not describe (a bad token, a disabled account, a forged renewal), so its row says it too.
   */
  async redeem<T>(
    drm: Drm,
    token: string | null,
    caller: Caller,
    requestKind: () => string | null,
    work: (claims: TokenClaims, note: AuditNote) => Promise<DrmWork<T>>,
  ): Promise<T> {
    const row = newAuditRow('redemption', drm, this.config.ENVIRONMENT, caller);
    try {
      const claims = this.open(drm, token);
      Object.assign(row, {
        accountNumber: claims.account,
        tokenId: claims.tokenId.toString('hex'),
        kid: claims.kid?.toString('hex') ?? null,
        cookie: claims.cookie,
      });
      const account = await this.accountsCache.get(claims.account, (n: number) => this.accounts.findByNumber(n));
      if (!account) throw new ExpressPlayError(-4010, 'the token names an account that no longer exists');
      assertAccountServes(account, drm, false);
      const done = await work(claims, (facts) => {
        if (facts.requestType !== undefined) row.requestType = facts.requestType;
        if (facts.device !== undefined) row.device = facts.device;
      });
      row.requestType = done.requestType;
      row.device = done.device ?? null;
      if (!done.consumesCredit) {
        await this.audit.write(row);
        return done.result;
      }
      // The ledger writes the row either way: success, or -2019 when no credit is left.
      if ((await this.ledger.redeem(claims.account, row)) === 'granted') {
        this.metrics.deliveries.labels(drm).inc();
        return done.result;
      }
      this.metrics.creditRefusals.labels(drm, 'redemption').inc();
    } catch (error) {
      // The database is what failed: the row could not be written either, and the client is asked to retry (503).
      if (isDatabaseUnavailable(error)) throw error;
      row.requestType ??= requestKind();
      row.resultCode = error instanceof ExpressPlayError ? error.code : 500;
      row.message = error instanceof ExpressPlayError ? error.message : 'internal error';
      await this.audit.write(row);
      throw error;
    }
    throw new ExpressPlayError(-2019, 'the account has no credits left');
  }

  private open(drm: Drm, token: string | null): TokenClaims {
    if (!token) throw new ExpressPlayError(-4010, 'no ExpressPlayToken in the query string or headers');
    const claims = openToken(token, this.ring, Math.floor(Date.now() / 1000));
    if (claims.environment !== this.config.ENVIRONMENT) {
      throw new ExpressPlayError(-4010, `the token was issued for the ${claims.environment} environment`);
    }
    if (claims.drm !== drm) {
      throw drm === 'fp'
        ? new ExpressPlayError(-6002, 'the token is for Widevine')
        : new ExpressPlayError(-4010, 'the token is for FairPlay');
    }
    return claims;
  }
}
