import type {
  ClearKeyPolicy,
  Drm,
  Environment,
  FairPlayPolicy,
  HdcpLevel,
  TrackType,
  WidevinePolicy,
} from '../request/types';

/**
 * One key of a multi-key token. Widevine keys carry their own levels (and maybe a track), FairPlay keys their own IV;
 * the codec refuses any other mix.
 */
export interface TokenKey {
  /** 16 bytes. */
  readonly kid: Buffer;
  /** 16 bytes. Never log it. */
  readonly contentKey: Buffer;
  /** Widevine: the key container's track_label, or null. FairPlay: null. */
  readonly track: TrackType | null;
  /** Widevine: the security level the device must meet for this key; null on FairPlay. */
  readonly securityLevel: WidevinePolicy['securityLevel'] | null;
  /** Widevine: the HDCP this key requires of the output; null on FairPlay. */
  readonly hdcpOutputControl: HdcpLevel | null;
  /**
   * Widevine: the most pixels (width × height) the key may decrypt video for (the license's
   * video_resolution_constraints); null or absent = no cap. Never on FairPlay.
   */
  readonly maxResolutionPixels?: number | null;
  /** FairPlay: 16 bytes; null on Widevine. */
  readonly iv: Buffer | null;
}

/** What every token carries, whatever its DRM (sealed by the codec; players never see inside). */
interface CommonClaims {
  /** 16 random bytes; its hex form is the token id in audit rows. */
  readonly tokenId: Buffer;
  /** The account's public number. */
  readonly account: number;
  readonly environment: Environment;
  /** Unix seconds. */
  readonly issuedAt: number;
  /** Unix seconds. */
  readonly expiresAt: number;
  readonly cookie: string | null;
  /**
   * Most licenses, CKCs or key sets the token may deliver (1 = one-time, at most MAX_USE_LIMIT); null or absent = no
   * limit. Absent is accepted when sealing so that claims written before use limits existed still seal unchanged.
   */
  readonly useLimit?: number | null;
  /**
   * A multi-key token's keys (1–32, distinct kids): the first one's kid, content key (and FairPlay IV) are also
   * `kid`, `contentKey` (and `iv`). Absent or null: a single-key token, encoded exactly as before multi-key tokens.
   * Widevine and FairPlay only.
   */
  readonly keys?: readonly TokenKey[] | null;
  /**
   * Widevine and FairPlay: most streams (live licenses or CKC leases) at once for the token, or for its account's user when it has a cookie
   * (1–MAX_STREAMS); null or absent = no limit (docs/decisions/0018-concurrent-streams.md).
   */
  readonly maxStreams?: number | null;
  /** With maxStreams: a new stream past the limit stops the oldest one instead of being refused. */
  readonly stopOldestStream?: boolean;
  /** Widevine and FairPlay: most distinct devices (1–MAX_DEVICES) of the token or its cookie's user within deviceWindow. */
  readonly maxDevices?: number | null;
  /** Seconds: a device counts while it got a license within this window (with maxDevices). */
  readonly deviceWindow?: number;
  /** 16 bytes, or null (FairPlay without kid; token-gen gives every Widevine token one). */
  readonly kid: Buffer | null;
  /** 16 bytes. Never log it. */
  readonly contentKey: Buffer;
}

export interface WidevineTokenClaims extends CommonClaims {
  readonly drm: 'wv';
  readonly iv: null;
  readonly policy: WidevinePolicy;
}

export interface FairPlayTokenClaims extends CommonClaims {
  readonly drm: 'fp';
  /** 16 bytes: the codec refuses a FairPlay token without one. */
  readonly iv: Buffer;
  readonly policy: FairPlayPolicy;
}

export interface ClearKeyTokenClaims extends CommonClaims {
  readonly drm: 'ck';
  /** 16 bytes: the only key ID the rights server answers a Clear Key request for (the codec refuses none). */
  readonly kid: Buffer;
  readonly iv: null;
  readonly policy: ClearKeyPolicy;
}

/** A token's claims: `drm` says which policy (and whether an IV) it carries, so nobody has to cast. */
export type TokenClaims = WidevineTokenClaims | FairPlayTokenClaims | ClearKeyTokenClaims;

/** The claims of a token for `drm`. */
export type TokenClaimsOf<D extends Drm> = Extract<TokenClaims, { readonly drm: D }>;
