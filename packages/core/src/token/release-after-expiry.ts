import { ExpressPlayError } from '../errors';

/**
 * Releases after the token's expiry (docs/decisions/0022-offline-licenses.md, on the footing of 0012's renewals). A
 * download outlives its token by its rental and playback durations, and a user deleting it later must still get the
 * release answered. A release is free and delivers no key, so answering a forged or replayed one gains nothing; the
 * bound only keeps an old token from being answered forever.
 */

/** The latest a release is answered after the license's issue, whatever its policy: 365 days. */
export const RELEASE_MAX_AGE_SECONDS = 365 * 86400;

/** How long after a license can no longer play its release is still answered: a user deletes an expired download. */
export const RELEASE_GRACE_SECONDS = 30 * 86400;

/** The details of the -4010 for a release, under an expired token, that comes after the release window. */
export const TOKEN_EXPIRED_RELEASE_TOO_LATE = 'token expired, and its license is past the release window';

/** What an audit row says of a release answered under an expired token. */
export const RELEASED_AFTER_TOKEN_EXPIRY = 'token expired; release of a license it bought';

/**
 * The last second (unix) at which the release of a license issued at `licenseIssuedAt` is answered under an expired
 * token. A license whose rental and playback durations are both bounded can play until its issue plus both (the
 * rental runs from the issue to the first playback, the playback from there), and its release is answered
 * RELEASE_GRACE_SECONDS longer; a license with either unbounded (a streaming license has no rental duration) may play
 * indefinitely. Either way no later than RELEASE_MAX_AGE_SECONDS after the issue.
 */
export function releaseDeadline(licenseIssuedAt: number, rentalSeconds: number, playbackSeconds: number): number {
  const lifetime =
    rentalSeconds > 0 && playbackSeconds > 0 ? rentalSeconds + playbackSeconds + RELEASE_GRACE_SECONDS : Infinity;
  return licenseIssuedAt + Math.min(lifetime, RELEASE_MAX_AGE_SECONDS);
}

/** Throws -4010 when a release under an expired token arrives after the license's `releaseDeadline`. */
export function assertReleasable(
  licenseIssuedAt: number,
  rentalSeconds: number,
  playbackSeconds: number,
  nowSeconds: number,
): void {
  if (!(nowSeconds <= releaseDeadline(licenseIssuedAt, rentalSeconds, playbackSeconds))) {
    throw new ExpressPlayError(-4010, TOKEN_EXPIRED_RELEASE_TOO_LATE);
  }
}
