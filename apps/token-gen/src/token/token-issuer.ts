import { Inject, Injectable } from '@nestjs/common';
import {
  assertHasCredits,
  type Drm,
  ExpressPlayError,
  type KeyRing,
  MAX_TOKEN_LENGTH,
  type KeySource,
  openStoredKey,
  parseKeyRing,
  parseTokenRequest,
  type RawParams,
  readEnvelope,
  sealToken,
  sealedTokenLength,
  type TokenClaims,
  type TokenKey,
  type TokenRequest,
} from '@openplay/core';
import {
  type AccountView,
  type AuditCaller,
  AuditWriter,
  isDatabaseUnavailable,
  newAuditRow,
  StoredKeyRepository,
} from '@openplay/database';
import { Metrics } from '@openplay/nest-kit';
import { randomBytes } from 'node:crypto';
import { AccountGate } from '../auth/account-gate';
import { TOKEN_GEN_CONFIG } from '../config/config.provider';
import type { TokenGenConfig } from '../config/token-gen.config';

export type CallerInfo = AuditCaller;

/**
 * Issues tokens. The order of checks is fixed (packages/core/README.md): envelope (errorFormat,
 * authenticator syntax), then the account (authenticator, status, DRM switches), then every license
 * parameter, then the balance, then the content key. Each request leaves one audit row, written before the answer.
 */
@Injectable()
export class TokenIssuer {
  private readonly ring: KeyRing;
  private readonly rightsBase: string;

  constructor(
    @Inject(AccountGate) private readonly gate: AccountGate,
    @Inject(AuditWriter) private readonly audit: AuditWriter,
    @Inject(StoredKeyRepository) private readonly keys: StoredKeyRepository,
    @Inject(TOKEN_GEN_CONFIG) private readonly config: TokenGenConfig,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {
    this.ring = parseKeyRing(config.TOKEN_KEYS);
    this.rightsBase = config.RIGHTS_PUBLIC_URL.replace(/\/+$/, '');
  }

  /** The license acquisition URL for a valid request; throws ExpressPlayError otherwise (after auditing it). */
  async issue(drm: Drm, params: RawParams, caller: CallerInfo): Promise<string> {
    const row = newAuditRow('issuance', drm, this.config.ENVIRONMENT, caller);
    try {
      const envelope = readEnvelope(params);
      const account = await this.gate.admit(envelope.authenticator, drm);
      row.accountNumber = account.number;
      const nowSeconds = Math.floor(Date.now() / 1000);
      const request = parseTokenRequest(drm, params, nowSeconds);
      // After the parameters, as the spec orders its checks: a malformed request is told so even with no credits.
      assertHasCredits(account);
      row.cookie = request.cookie;
      row.kid = request.kid?.toString('hex') ?? null;
      const keys = await this.tokenKeys(request, account);
      const claims = claimsOf(request, {
        tokenId: randomBytes(16),
        account: account.number,
        environment: this.config.ENVIRONMENT,
        issuedAt: nowSeconds,
        expiresAt: request.expiresAt,
        cookie: request.cookie,
        useLimit: request.useLimit,
        maxStreams: request.maxStreams,
        stopOldestStream: request.stopOldestStream,
        maxDevices: request.maxDevices,
        deviceWindow: request.deviceWindow,
        kid: request.kid,
        // A multi-key token's first key is its kid and content key.
        contentKey: keys?.[0].contentKey ?? (await this.contentKey(request.key, account)),
        keys,
      });
      row.tokenId = claims.tokenId.toString('hex');
      if (sealedTokenLength(claims) > MAX_TOKEN_LENGTH) {
        // Only extensions can make a token this large; the parser bounds each, not their sum.
        throw new ExpressPlayError(
          drm === 'wv' ? -7009 : -6001,
          `the extensions do not fit in a token (at most ${MAX_TOKEN_LENGTH} characters)`,
        );
      }
      const token = sealToken(claims, this.ring);
      await this.audit.write(row);
      this.metrics.tokenIssued(drm);
      return `${this.rightsBase}/hms/${drm}/rights/?ExpressPlayToken=${token}`;
    } catch (error) {
      // The database is what failed: the row could not be written either, and the client is asked to retry (503).
      if (isDatabaseUnavailable(error)) throw error;
      row.resultCode = error instanceof ExpressPlayError ? error.code : 500;
      row.message = error instanceof ExpressPlayError ? error.message : 'internal error';
      row.tokenId = null;
      await this.audit.write(row);
      if (row.resultCode === -2019) this.metrics.creditRefused(drm, 'issuance');
      throw error;
    }
  }

  /** `kek`+`kid`: the account's stored key for kid (-4019 when it has none), opened with the kek (-4024). */
  private async contentKey(source: KeySource, account: AccountView, named = false): Promise<Buffer> {
    if (source.kind !== 'stored') return source.contentKey;
    const stored = await this.keys.find(account.id, source.kid);
    // A multi-key request names the kid it misses: the entries hold several.
    const which = named ? `kid ${source.kid.toString('hex')}` : 'this kid';
    if (!stored) throw new ExpressPlayError(-4019, `no key is stored under ${which}`);
    return openStoredKey(stored, source.kek);
  }

  /** A multi-key request's keys with their content keys (stored ones fetched in order), or null for one key. */
  private async tokenKeys(request: TokenRequest, account: AccountView): Promise<TokenKey[] | null> {
    if (request.keys === null) return null;
    const keys: TokenKey[] = [];
    for (const key of request.keys) {
      const { kid, track, securityLevel, hdcpOutputControl, maxResolutionPixels, iv } = key;
      keys.push({
        kid,
        contentKey: await this.contentKey(key.key, account, true),
        track,
        securityLevel,
        hdcpOutputControl,
        // Only when capped, as core's request has it: uncapped tokens keep their bytes.
        ...(maxResolutionPixels != null && { maxResolutionPixels }),
        iv,
      });
    }
    return keys;
  }
}

/**
 * The request's DRM, IV and policy joined to the rest (a FairPlay request without an IV never gets here: -6003; nor a
 * Clear Key request without a kid: -4018).
 */
function claimsOf(request: TokenRequest, common: Omit<TokenClaims, 'drm' | 'iv' | 'policy'>): TokenClaims {
  const { policy, iv } = request;
  switch (policy.drm) {
    case 'wv':
      return { ...common, drm: 'wv', iv: null, policy };
    case 'fp':
      return { ...common, drm: 'fp', iv: iv!, policy };
    case 'ck':
      return { ...common, drm: 'ck', kid: common.kid!, iv: null, policy };
  }
}
