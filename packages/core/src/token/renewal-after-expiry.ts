import { ExpressPlayError } from '../errors';
import type { Drm } from '../request/types';
import type { TokenClaims } from './claims';
import { RELEASED_AFTER_TOKEN_EXPIRY } from './release-after-expiry';

/**
 * How long before its token's issue time a license may have been issued: the token's time is token-gen's clock, the
 * license's the rights server's, and the two may disagree by this much.
 */
export const LICENSE_CLOCK_SKEW_SECONDS = 300;

/** The details of the -4010 for a renewal, under an expired token, of a license that token cannot have bought. */
export const TOKEN_EXPIRED_NOT_ISSUER = 'token expired, and the license was not issued while it was valid';

/** What an audit row says of a renewal served under an expired token. */
export const RENEWED_AFTER_TOKEN_EXPIRY = 'token expired; renewal governed by the license policy';

/**
 * Whether a genuine token still admits a request after its expiry: a Widevine renewal or release does. A token's
 * expiry ends the issuance of licenses, not the playback a license already issued allows (its renewals, governed by its
 * own policy, decision 0012), nor the deletion of a download (its release, answered within `releaseDeadline`, decision
 * 0022). A new license, the service certificate request and every FairPlay and Clear Key request still need a token
 * that has not expired.
 */
export function outlivesToken(drm: Drm, requestType: string | null): boolean {
  return drm === 'wv' && (requestType === 'renewal' || requestType === 'release');
}

/** What the audit row of a request admitted under an expired token says of it (null: no such request). */
export function afterExpiryNote(requestType: string | null): string | null {
  return requestType === 'renewal'
    ? RENEWED_AFTER_TOKEN_EXPIRY
    : requestType === 'release'
      ? RELEASED_AFTER_TOKEN_EXPIRY
      : null;
}

/**
 * Throws -4010 unless a license issued at `licenseIssuedAt` (unix seconds, as the licenser stamped and authenticated
 * it) can have been issued under this token while the token was valid: not before its issue time (less
 * LICENSE_CLOCK_SKEW_SECONDS), not after its expiry (a license is issued in the second the token was admitted, or the
 * next). An expired token then only renews licenses it bought itself, never one of the same kid bought later with
 * another token.
 */
export function assertIssuedWhileValid(
  token: Pick<TokenClaims, 'issuedAt' | 'expiresAt'>,
  licenseIssuedAt: number,
): void {
  if (licenseIssuedAt < token.issuedAt - LICENSE_CLOCK_SKEW_SECONDS || licenseIssuedAt > token.expiresAt) {
    throw new ExpressPlayError(-4010, TOKEN_EXPIRED_NOT_ISSUER);
  }
}
