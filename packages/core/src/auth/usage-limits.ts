import type { TokenClaims } from '../token/claims';

/** An account's limits (docs/decisions/0023-account-stream-limits.md); null: none. */
export interface AccountUsageSettings {
  readonly maxStreams: number | null;
  readonly streamLimitMode: 'deny' | 'stopOldest' | null;
  readonly maxDevices: number | null;
  readonly deviceWindow: number | null;
}

/** The stream limits a Widevine license must fit: its token's own, its account's, or both. */
export interface StreamLimits {
  /** The token's limit on its scope (the token, or the cookie's user); null: none of its own. */
  readonly max: number | null;
  readonly stopOldest: boolean;
  /** The account's limit on all its live streams; null: none. */
  readonly accountMax: number | null;
  readonly accountStopOldest: boolean;
}

/** The device limit a Widevine license must fit. */
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
const NO_ACCOUNT_LIMITS: AccountUsageSettings = {
  maxStreams: null,
  streamLimitMode: null,
  maxDevices: null,
  deviceWindow: null,
};

/**
 * The limits of a redemption, decided at rights time from the token and the account as cached now, so that an
 * account's change applies at once without reissuing tokens. A Widevine or FairPlay token's own limits; the account's
 * apply to Widevine licenses only (FairPlay streams came later: not yet). The account's stream limit applies to
 * every Widevine license of the account, on top of the token's own; its device limit is the default of tokens that name a
 * user (a cookie) and carry no device limit of their own. Nearly every redemption has none: the shared NONE.
 */
export function usageLimitsOf(
  claims: Pick<TokenClaims, 'drm' | 'cookie' | 'maxStreams' | 'stopOldestStream' | 'maxDevices' | 'deviceWindow'>,
  account: AccountUsageSettings,
): UsageLimits {
  if (claims.drm === 'ck') return NONE;
  const settings = claims.drm === 'fp' ? NO_ACCOUNT_LIMITS : account;
  const max = claims.maxStreams ?? null;
  const accountMax = settings.maxStreams;
  const tokenDevices = claims.maxDevices ?? null;
  const accountDevices = claims.cookie !== null && settings.deviceWindow !== null ? settings.maxDevices : null;
  if (max === null && accountMax === null && tokenDevices === null && accountDevices === null) return NONE;
  return {
    streams:
      max === null && accountMax === null
        ? null
        : {
            max,
            stopOldest: max !== null && claims.stopOldestStream === true,
            accountMax,
            accountStopOldest: accountMax !== null && settings.streamLimitMode === 'stopOldest',
          },
    devices:
      tokenDevices !== null
        ? { max: tokenDevices, windowSeconds: claims.deviceWindow ?? 0 }
        : accountDevices !== null
          ? { max: accountDevices, windowSeconds: settings.deviceWindow ?? 0 }
          : null,
  };
}
