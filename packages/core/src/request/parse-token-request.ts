import { parseExpirationTime } from '../expiry/expiration-time';
import { groupParams, runChecks } from './check';
import { DEFAULT_DEVICE_WINDOW, TOKEN_CHECKS, type TokenFields } from './token-checks';
import type { Drm, LicensePolicy, RawParams, TokenRequest } from './types';

/**
 * Every parameter rule of a token request except the envelope's (`readEnvelope` comes first, then the
 * app authenticates, then this). Throws the ExpressPlayError of the first rule that fails, in the order of
 * TOKEN_CHECKS. Does no I/O: a `stored` key source is for the app to fetch and unwrap.
 */
export function parseTokenRequest(drm: Drm, params: RawParams, nowSeconds: number): TokenRequest {
  if (!Number.isFinite(nowSeconds)) throw new RangeError('nowSeconds must be a finite number');
  const now = Math.floor(nowSeconds);
  const fields = runChecks<TokenFields>(TOKEN_CHECKS, groupParams(params), { drm, now }, {});
  if (!fields.key) throw new Error('the key source check did not run'); // the table always runs it
  return {
    drm,
    kid: fields.kid ?? null,
    key: fields.key,
    // A multi-key FairPlay token's IV is its first key's (the request's `iv` unless that key names its own).
    iv: drm === 'fp' ? (fields.keys?.[0].iv ?? fields.iv ?? null) : null,
    policy: policyOf(drm, fields),
    expiresAt: fields.expiresAt ?? parseExpirationTime(null, now),
    cookie: fields.cookie ?? null,
    useLimit: fields.useLimit ?? null,
    keys: fields.keys ?? null,
    maxStreams: fields.maxStreams ?? null,
    stopOldestStream: fields.stopOldestStream ?? false,
    maxDevices: fields.maxDevices ?? null,
    deviceWindow: fields.deviceWindow ?? DEFAULT_DEVICE_WINDOW,
  };
}

function policyOf(drm: Drm, fields: TokenFields): LicensePolicy {
  const extensions = fields.extensions ?? [];
  if (drm === 'ck') return { drm, extensions: [] }; // the ck rows refuse every extension parameter
  if (drm === 'fp') {
    return {
      drm,
      rentalDuration: fields.rentalDuration ?? 0,
      rightsType: fields.rightsType ?? null,
      extensions,
      // Only when set, so that a request without it gives the policy it gave before offline licenses existed.
      ...(fields.persistent && { offline: { playbackDuration: fields.playbackDuration ?? 0 } }),
    };
  }
  if (fields.securityLevel === undefined || fields.hdcpOutputControl === undefined) {
    throw new Error('required Widevine parameters were not checked'); // both rows are required for wv
  }
  return {
    drm,
    securityLevel: fields.securityLevel,
    hdcpOutputControl: fields.hdcpOutputControl,
    licenseDuration: fields.licenseDuration || null,
    contentId: fields.contentId ?? null,
    extensions,
    ...(fields.persistent && { offline: { rentalDuration: fields.rentalDuration ?? 0 } }),
  };
}
