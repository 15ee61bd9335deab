import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  assertAccountServes,
  type CkcKeyDuration,
  type Drm,
  ExpressPlayError,
  fairPlayStreamSeconds,
  type KeyRing,
  afterExpiryNote,
  openGenuineToken,
  outlivesToken,
  parseKeyRing,
  TOKEN_EXPIRED,
  type StreamLimits,
  type TokenClaims,
  type TokenClaimsOf,
  usageLimitsOf,
} from '@openplay/core';
import {
  AccountChangeFeed,
  AccountRepository,
  type AccountView,
  type AuditCaller,
  AuditWriter,
  isDatabaseUnavailable,
  type MutableAuditEvent,
  newAuditRow,
  FAIRPLAY_STREAM_STOPPED,
  RedemptionLedger,
  streamScope,
} from '@openplay/database';
import { accountCache, Metrics, type TtlCache } from '@openplay/nest-kit';
import { RIGHTS_CONFIG } from '../config/config.module';
import type { RightsConfig } from '../config/rights.config';

export type Caller = AuditCaller;

/** One redemption attempt: its audit row as it fills in, and whether the row is written yet. */
export interface RedemptionAttempt<D extends Drm = Drm> {
  readonly drm: D;
  readonly row: MutableAuditEvent;
  /** The token's account, once the token opened: the one a credit is charged to. */
  account: number | null;
  /** The token had expired and was admitted for a request that outlives it (a Widevine renewal or release). */
  tokenExpired: boolean;
  /** The token's use limit (null: none) and expiry, once it opened. */
  useLimit: number | null;
  tokenExpiresAt: number;
  /**
   * The stream limits of a Widevine license or FairPlay CKC, once the token and its account are known (null: none;
   * core's `usageLimitsOf`): the token's own on its scope, the account's on all its streams, or both.
   */
  streams: (StreamLimits & { scope: string }) | null;
  /** The device limit (the token's, or its account's default for a user), once known (null: none). */
  devices: { scope: string; max: number; windowSeconds: number } | null;
  recorded: boolean;
}

/** What the DRM work answered, as its audit row tells it. */
export interface Delivery {
  /** 'new', 'renewal', 'release', 'service-certificate' (Widevine); 'ckc' (FairPlay); 'new', 'release' (Clear Key). */
  readonly requestType: string;
  readonly device: Readonly<Record<string, unknown>> | null;
  /** Only deliveries of a license or CKC consume a credit (and, for a use-limited token, a use). */
  readonly consumesCredit: boolean;
  /**
   * The bytes that make this request the same request when retried (Widevine challenge, FairPlay SPC, Clear Key
   * body): hashed only for a use-limited token, whose retry within the window is then not another use. Required, so
   * that no DRM can leave it out and make every request look like a retry of the first.
   */
  readonly request: Buffer;
  /**
   * The identity of the request's stream. Widevine license, renewal and release: the license's session id. FairPlay
   * CKC: a hash of the device and the content (see `fairPlayStreamId`).
   */
  readonly sessionId?: Buffer;
  /**
   * Widevine renewal and release: the license's stream was counted when it was delivered (its session id says so,
   * under the HMAC), whatever the account's limit is now: its renewal is then a heartbeat, its release frees a slot.
   */
  readonly countedStream?: boolean;
  /** Widevine license, FairPlay CKC: a stable id of the authenticated device (`widevineDeviceId`, `fairPlayDeviceId`). */
  readonly deviceId?: Buffer;
  /**
   * FairPlay CKC: the key duration it states (its stream lives that long, plus the grace: core's
   * `fairPlayStreamSeconds`), and whether the SPC continues a playback (a lease renewal, served only while its stream
   * is live: core's `continuesFairPlayPlayback`).
   */
  readonly lease?: { readonly ckc: CkcKeyDuration; readonly renewal: boolean };
}

/** What a refusal's audit row says of the request, as far as the DRM can tell. */
export interface RefusalFacts {
  /** What the request asked for, read from its untrusted bytes; only called when the row does not say yet. */
  readonly requestType: () => string | null;
  /** The device, when the DRM work authenticated it before refusing. */
  readonly device?: Readonly<Record<string, unknown>> | null;
}

/**
 * The steps every redemption takes, whatever the DRM; each DRM's service (WidevineRedemption, FairPlayRedemption)
 * runs them in order around its own crypto: `begin`, `admit` (open the token: -4010; another DRM's token: -6002 on
 * FairPlay, -4010 on Widevine and Clear Key; check the account: -2031, -7011/-6006/-6009/-8001), the DRM work, then `deliver`
 * (consume a credit and write the audit row in one transaction: -2019 when none is left) or `refuse`. Every
 * attempt leaves one audit row before the answer, unless the database itself is what failed.
 */
@Injectable()
export class Redemptions {
  private readonly ring: KeyRing;
  private readonly accountsCache: TtlCache<number, AccountView | null>;
  /** Seconds without a renewal after which a stream is dead: the renewal delay plus the grace. */
  private readonly streamLiveSeconds: number;

  constructor(
    @Inject(RIGHTS_CONFIG) private readonly config: RightsConfig,
    @Inject(AccountRepository) private readonly accounts: AccountRepository,
    @Inject(AuditWriter) private readonly audit: AuditWriter,
    @Inject(RedemptionLedger) private readonly ledger: RedemptionLedger,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(AccountChangeFeed) accountChanges: AccountChangeFeed,
  ) {
    this.ring = parseKeyRing(config.TOKEN_KEYS);
    this.streamLiveSeconds = (config.WIDEVINE_RENEWAL_DELAY ?? 0) + config.STREAM_GRACE_SECONDS;
    this.accountsCache = accountCache(config.ACCOUNT_CACHE_TTL_MS, accountChanges);
  }

  begin<D extends Drm>(drm: D, caller: Caller): RedemptionAttempt<D> {
    return {
      drm,
      row: newAuditRow('redemption', drm, this.config.ENVIRONMENT, caller),
      account: null,
      tokenExpired: false,
      useLimit: null,
      tokenExpiresAt: 0,
      streams: null,
      devices: null,
      recorded: false,
    };
  }

  /**
   * Opens the token and checks that its account may be served; the row learns the account, token, kid and cookie.
   * `requestType` (what the request asks for, read without trusting it) is asked only of a genuine token that has
   * expired: core's `outlivesToken` decides whether the request may go on (a Widevine renewal, then governed by its
   * license's policy, or a release: `attempt.tokenExpired`), else -4010 `token expired` as for any expired token.
   */
  async admit<D extends Drm>(
    attempt: RedemptionAttempt<D>,
    token: string | null,
    requestType?: () => string | null,
  ): Promise<TokenClaimsOf<D>> {
    const claims = this.open(attempt, token, requestType);
    attempt.account = claims.account;
    attempt.useLimit = claims.useLimit ?? null;
    attempt.tokenExpiresAt = claims.expiresAt;
    const tokenId = claims.tokenId.toString('hex');
    Object.assign(attempt.row, {
      accountNumber: claims.account,
      tokenId,
      kid: claims.kid?.toString('hex') ?? null,
      cookie: claims.cookie,
    });
    const account = await this.accountsCache.get(claims.account, (n: number) => this.accounts.findByNumber(n));
    if (!account) throw new ExpressPlayError(-4010, 'the token names an account that no longer exists');
    assertAccountServes(account, attempt.drm, false);
    // Decided now, from the account as cached now: an admin's change applies without reissuing tokens.
    const limits = usageLimitsOf(claims, account);
    // Redemptions without stream or device limits (nearly all) build no scope.
    if (limits.streams || limits.devices) {
      const scope = streamScope(tokenId, claims.account, claims.cookie);
      if (limits.streams) attempt.streams = { ...limits.streams, scope };
      if (limits.devices) attempt.devices = { ...limits.devices, scope };
    }
    return claims;
  }

  /** Writes the row of an answer; a delivery consumes a credit with it, or is refused with -2019 (its row says so). */
  async deliver(attempt: RedemptionAttempt, delivery: Delivery): Promise<void> {
    const { row } = attempt;
    row.requestType = delivery.requestType;
    row.device = delivery.device;
    if (attempt.tokenExpired) row.message = afterExpiryNote(delivery.requestType);
    const streams = attempt.streams && delivery.sessionId ? attempt.streams : null;
    // A license counted by its token's own limit, or (its session id says so) by a limit when it was delivered.
    const counted = delivery.sessionId && (delivery.countedStream || streams?.max != null) ? delivery.sessionId : null;
    if (counted && delivery.requestType === 'renewal') {
      // The renewal is the stream's heartbeat; a stopped or dead stream gets no more.
      if (!(await this.ledger.renewStream(this.scopeOf(attempt), counted, this.streamLiveSeconds))) {
        throw new ExpressPlayError(-9005, 'the stream was stopped by a newer one or its renewals stopped');
      }
    } else if (counted && delivery.requestType === 'release') {
      await this.ledger.releaseStream(this.scopeOf(attempt), counted);
    }
    if (!delivery.consumesCredit) {
      await this.audit.write(row);
      attempt.recorded = true;
      return;
    }
    if (attempt.account === null) throw new Error('a delivery needs an admitted token');
    // The ledger writes the row either way: success, or -2019 when no credit is left.
    const use =
      attempt.useLimit === null
        ? undefined
        : {
            limit: attempt.useLimit,
            requestHash: createHash('sha256').update(delivery.request).digest(),
            tokenExpiresAt: attempt.tokenExpiresAt,
          };
    const stream =
      streams === null
        ? undefined
        : {
            scope: streams.scope,
            sessionId: delivery.sessionId!,
            maxStreams: streams.max,
            stopOldest: streams.stopOldest,
            accountMaxStreams: streams.accountMax,
            accountStopOldest: streams.accountStopOldest,
            liveSeconds: this.streamLiveSeconds,
            ...(delivery.lease && {
              leaseSeconds: fairPlayStreamSeconds(delivery.lease.ckc, this.config.STREAM_GRACE_SECONDS),
              renewal: delivery.lease.renewal,
            }),
          };
    const device =
      attempt.devices === null || !delivery.deviceId
        ? undefined
        : {
            scope: attempt.devices.scope,
            deviceId: delivery.deviceId,
            maxDevices: attempt.devices.max,
            windowSeconds: attempt.devices.windowSeconds,
          };
    const verdict = await this.ledger.redeem(attempt.account, row, use, stream, device);
    attempt.recorded = true;
    if (verdict === 'granted' || verdict === 'retry') {
      this.metrics.delivered(attempt.drm);
      return;
    }
    if (verdict === 'used-up') throw new ExpressPlayError(-9002, 'the token has no use left');
    if (verdict === 'too-many-streams') throw new ExpressPlayError(-9004, 'the stream limit is reached');
    if (verdict === 'too-many-devices') throw new ExpressPlayError(-9007, 'the device limit is reached');
    if (verdict === 'stream-stopped') throw new ExpressPlayError(-9005, FAIRPLAY_STREAM_STOPPED);
    this.metrics.creditRefused(attempt.drm, 'redemption');
    throw new ExpressPlayError(-2019, 'the account has no credits left');
  }

  /** Writes the row of a refusal (`error`), unless it is written already or the database is what failed. */
  async refuse(attempt: RedemptionAttempt, error: unknown, facts: RefusalFacts): Promise<void> {
    // The database is what failed: the row could not be written either, and the client is asked to retry (503).
    if (attempt.recorded || isDatabaseUnavailable(error)) return;
    const { row } = attempt;
    if (facts.device) row.device = facts.device;
    row.requestType ??= facts.requestType();
    row.resultCode = error instanceof ExpressPlayError ? error.code : 500;
    row.message = error instanceof ExpressPlayError ? error.message : 'internal error';
    const note = attempt.tokenExpired ? afterExpiryNote(row.requestType) : null;
    if (note) row.message += ` (${note})`;
    await this.audit.write(row);
    attempt.recorded = true;
  }

  /** The scope of the admitted token's streams: see `streamScope`. */
  private scopeOf(attempt: RedemptionAttempt): string {
    if (attempt.streams) return attempt.streams.scope;
    if (attempt.account === null || attempt.row.tokenId === null) throw new Error('a stream needs an admitted token');
    return streamScope(attempt.row.tokenId, attempt.account, attempt.row.cookie);
  }

  private open<D extends Drm>(
    attempt: RedemptionAttempt<D>,
    token: string | null,
    requestType: (() => string | null) | undefined,
  ): TokenClaimsOf<D> {
    const { drm } = attempt;
    if (!token) throw new ExpressPlayError(-4010, 'no ExpressPlayToken in the query string or headers');
    // Forged and unknown-key tokens are refused here whatever the request; only expiry is the request's business.
    const { claims, expired } = openGenuineToken(token, this.ring, Math.floor(Date.now() / 1000));
    if (expired && !(requestType && outlivesToken(drm, requestType()))) {
      throw new ExpressPlayError(-4010, TOKEN_EXPIRED);
    }
    attempt.tokenExpired = expired;
    if (claims.environment !== this.config.ENVIRONMENT) {
      throw new ExpressPlayError(-4010, `the token was issued for the ${claims.environment} environment`);
    }
    if (!isFor(claims, drm)) {
      const details = `the token is for ${DRM_NAMES[claims.drm]}`;
      throw new ExpressPlayError(drm === 'fp' ? -6002 : -4010, details);
    }
    return claims;
  }
}

const DRM_NAMES: Readonly<Record<Drm, string>> = { wv: 'Widevine', fp: 'FairPlay', ck: 'Clear Key' };

function isFor<D extends Drm>(claims: TokenClaims, drm: D): claims is TokenClaimsOf<D> {
  return claims.drm === drm;
}
