import type { WidevinePolicy } from '@openplay/core';
import { cannotBuild, WidevineRefusal } from './errors';
import type { Policy } from './proto';
import type { WidevineDevice } from './types';

/**
 * Offline (persistent) licenses, docs/decisions/0022-offline-licenses.md. Everything a license's type changes is
 * here, so that the license builder only asks: which type (`ContentRequest.licenseType`), which policy
 * (`offlinePolicy`), which key control nonce (`licenseNonce`).
 */

/** `LicenseType` of license_protocol.proto. */
export const LicenseType = { STREAMING: 1, OFFLINE: 2, AUTOMATIC: 3 } as const;

/** What a license's id says: AUTOMATIC (and no type) is answered as STREAMING. */
export type GrantedLicenseType = typeof LicenseType.STREAMING | typeof LicenseType.OFFLINE;

/**
 * The license policy for `type`: a streaming license keeps `streaming` as it is; an offline one says `can_persist`,
 * the token's rental duration (how long the stored license may wait for its first playback) and its playback
 * duration (licenseDuration, already in `streaming`), and never `can_renew`: a device playing offline cannot count on
 * reaching the server, and the offline license holds everything it needs. The license window
 * (license_duration_seconds) stays unlimited, as for streaming: the rental and playback durations bound it.
 */
export function offlinePolicy(streaming: Policy, type: GrantedLicenseType, token: WidevinePolicy): Policy {
  if (type !== LicenseType.OFFLINE) return streaming;
  const rental = token.offline?.rentalDuration ?? 0;
  if (!Number.isSafeInteger(rental) || rental < 0)
    throw cannotBuild('grant offline.rentalDuration must be a non-negative integer');
  return {
    can_play: true,
    can_persist: true,
    can_renew: false,
    rental_duration_seconds: rental,
    playback_duration_seconds: streaming.playback_duration_seconds,
    license_duration_seconds: 0,
  };
}

/**
 * The key control block's nonce: a streaming license binds its keys to the requesting session (Nonce_Enable with the
 * request's key_control_nonce); an offline license is loaded again in later sessions, whose nonces it cannot know, so
 * it carries none (OEMCrypto's "unlimited offline": Replay_Control 0, Nonce_Enable 0, nonce 0).
 */
export function licenseNonce(type: GrantedLicenseType, requestNonce: number | undefined): number | undefined {
  return type === LicenseType.OFFLINE ? undefined : requestNonce;
}

/** -11002 (403): the CDM asked for an OFFLINE license and the token does not allow persistence. */
export function offlineRefusal(device: Partial<WidevineDevice>): WidevineRefusal {
  return new WidevineRefusal(-11002, 'the CDM asked for an offline license; the token does not allow persistence', {
    device,
  });
}
