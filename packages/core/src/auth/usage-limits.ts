import type { TokenClaims } from '../token/claims';

/** An account's limits (docs/decisions/0023-account-stream-limits.md); null: none. */
export interface AccountUsageSettings {
  readonly maxStreams: number | null;
  readonly streamLimitMode: 'deny' | 'stopOldest' | null;
  readonly maxDevices: number | null;
  readonly deviceWindow: number | null;
}

/** The stream limits a Widevine license or FairPlay CKC must fit: its token's own, its account's, or both. */
export interface StreamLimits {
  /** The token's limit on its scope (the token, or the cookie's user); null: none of its own. */
  readonly max: number | null;
  readonly stopOldest: boolean;
  /** The account's limit on all its live streams; null: none. */
  readonly accountMax: number | null;
  readonly accountStopOldest: boolean;
}

/** The device limit a Widevine license or FairPlay CKC must fit. */
export interface DeviceLimits {
  readonly max: number;
  readonly windowSeconds: number;
}

export interface UsageLimits {
  /** null: the license's stream is not counted. */
  readonly streams: StreamLimits | null;
  /** null: the license's device is not counted. */
  readonly devices: DeviceLimits | null;
}

const NONE: UsageLimits = { streams: null, devices: null };

/**
 * The limits of a redemption, decided at rights time from the token and the account as cached now, so that an
 * account's change applies at once without reissuing tokens. A Widevine license or a FairPlay CKC must fit its token's
 * own limits and its account's: the account's stream limit counts the live streams of both DRMs together (one account,
 * one limit: docs/decisions/0023-account-stream-limits.md), and its device limit is the default of tokens that name a
 * user (a cookie) and carry no device limit of their own. Clear Key has no stream or device. Nearly every redemption
 * has none: the shared NONE.
 */
export function usageLimitsOf(
  claims: Pick<TokenClaims, 'drm' | 'cookie' | 'maxStreams' | 'stopOldestStream' | 'maxDevices' | 'deviceWindow'>,
  account: AccountUsageSettings,
): UsageLimits {
  if (claims.drm === 'ck') return NONE;
  const max = claims.maxStreams ?? null;
  const accountMax = account.maxStreams;
  const tokenDevices = claims.maxDevices ?? null;
  const accountDevices = claims.cookie !== null && account.deviceWindow !== null ? account.maxDevices : null;
  if (max === null && accountMax === null && tokenDevices === null && accountDevices === null) return NONE;
  return {
    streams:
      max === null && accountMax === null
        ? null
        : {
            max,
            stopOldest: max !== null && claims.stopOldestStream === true,
            accountMax,
            accountStopOldest: accountMax !== null && account.streamLimitMode === 'stopOldest',
          },
    devices:
      tokenDevices !== null
        ? { max: tokenDevices, windowSeconds: claims.deviceWindow ?? 0 }
        : accountDevices !== null
          ? { max: accountDevices, windowSeconds: account.deviceWindow ?? 0 }
          : null,
  };
}
