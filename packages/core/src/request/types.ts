/** The validated shapes of a token request. Parsing lives in ./parse-*.ts; these types are the contract. */

/** Widevine, FairPlay, W3C Clear Key (`org.w3.clearkey`). */
export type Drm = 'wv' | 'fp' | 'ck';
export type Environment = 'test' | 'production';
export type ErrorFormat = 'html' | 'json';

/** Raw parameters in arrival order (query first, then form body), names case-sensitive, values decoded. */
export type RawParams = ReadonlyArray<readonly [name: string, value: string]>;

/** A parsed `customerAuthenticator`: `<account number>,<32 hex secret>`. */
export interface Authenticator {
  readonly account: number;
  /** Lower-case hex. Never log or echo it. */
  readonly secret: string;
}

/** What must be known before anything else: how to render errors, and who asks. */
export interface RequestEnvelope {
  readonly errorFormat: ErrorFormat;
  readonly authenticator: Authenticator;
}

/** An extension from `wvExtension`/`fpExtension`: `TTTT,<base64>`. */
export interface Extension {
  /** Exactly 4 characters; as a 32-bit identifier each character is one byte. */
  readonly type: string;
  readonly payload: Buffer;
}

/**
 * Where the content key comes from. `stored` needs the account's key store (I/O), so core hands it
 * back for the app to resolve and then unwrap with `unwrapStoredKey`.
 */
export type KeySource =
  | { readonly kind: 'clear'; readonly contentKey: Buffer }
  | { readonly kind: 'wrapped'; readonly contentKey: Buffer } // kek+ek, already unwrapped (RFC 3394)
  | { readonly kind: 'stored'; readonly kek: Buffer; readonly kid: Buffer };

export interface WidevinePolicy {
  readonly drm: 'wv';
  /** 1 SW_SECURE_CRYPTO … 5 HW_SECURE_ALL. */
  readonly securityLevel: 1 | 2 | 3 | 4 | 5;
  /** 0 HDCP_NONE, 1 HDCP_V1, 2 HDCP_V2. */
  readonly hdcpOutputControl: 0 | 1 | 2;
  /** Seconds of playback after it starts; null = unlimited. */
  readonly licenseDuration: number | null;
  readonly contentId: string | null;
  readonly extensions: readonly Extension[];
  /**
   * `persistent=true`: a CDM that asks for an OFFLINE license gets one (docs/decisions/0022-offline-licenses.md).
   * Absent or null: streaming licenses only (absent is accepted so that policies written before offline licenses
   * existed still seal unchanged).
   */
  readonly offline?: WidevineOffline | null;
}

/** What a persistent Widevine token adds to its policy. */
export interface WidevineOffline {
  /** Seconds an offline license may be kept before playback starts (rental_duration_seconds); 0 = unlimited. */
  readonly rentalDuration: number;
}

/** What a persistent FairPlay token adds to its policy. */
export interface FairPlayOffline {
  /** Seconds of playback from the first playback of the persisted key (offline key TLLV); 0 = not enforced. */
  readonly playbackDuration: number;
}

export type RightsType = 'BuyToOwn' | 'Rental';

export interface FairPlayPolicy {
  readonly drm: 'fp';
  /** Seconds; 0 (the default) means no rental limit. */
  readonly rentalDuration: number;
  readonly rightsType: RightsType | null;
  readonly extensions: readonly Extension[];
  /**
   * `persistent=true`: the CKC allows the client to persist the key, `rentalDuration` being its storage duration
   * (docs/decisions/0022-offline-licenses.md). Absent or null: a streaming key.
   */
  readonly offline?: FairPlayOffline | null;
}

/**
 * Clear Key licenses are a JSON Web Key Set: they carry no duration, output protection or device rule, so the policy
 * holds nothing but its DRM. `extensions` is always empty (the Clear Key rows refuse extension parameters, the codec
 * any extension); it is there so that every policy has the same shape.
 */
export interface ClearKeyPolicy {
  readonly drm: 'ck';
  readonly extensions: readonly [];
}

/**
 * Widevine's track types (its key containers' `track_label`): a key of a multi-key token may name one, and the
 * per-track policy parameters (`trackSecurityLevel`, `trackHdcpOutputControl`) address keys by it.
 */
export const TRACK_TYPES = ['AUDIO', 'SD', 'HD', 'UHD1', 'UHD2'] as const;
export type TrackType = (typeof TRACK_TYPES)[number];

/**
 * HDCP a multi-key token's key may require (Widevine's OutputProtection.HDCP): 0 HDCP_NONE, 1 HDCP_V1, 2 HDCP_V2,
 * 3 HDCP_V2_1, 4 HDCP_V2_2, 5 HDCP_V2_3. The single-key `hdcpOutputControl` stays 0–2, as ExpressPlay has it.
 */
export type HdcpLevel = 0 | 1 | 2 | 3 | 4 | 5;

/** Largest width or height `trackMaxResolution` takes: 16K video, so a cap fits the license's uint32 pixel count. */
export const MAX_RESOLUTION_SIDE = 16384;

/** The most keys one token carries (`key`, `keyEk` and `keyStored` together). */
export const MAX_TOKEN_KEYS = 32;

/**
 * One key of a multi-key token request (docs/api.md §12). `key` is where its content key comes from: `stored`
 * is for the app to fetch and unwrap, as for a single key.
 */
export interface RequestKey {
  readonly kid: Buffer;
  readonly key: KeySource;
  /** Widevine: the key's track, or null (then only the token-wide policy applies to it). FairPlay: null. */
  readonly track: TrackType | null;
  /** Widevine: the key's own levels (its track's policy, else the token's). FairPlay: null. */
  readonly securityLevel: WidevinePolicy['securityLevel'] | null;
  readonly hdcpOutputControl: HdcpLevel | null;
  /**
   * Widevine: the most pixels (width × height) the key may decrypt video for, from its track's `trackMaxResolution`;
   * null or absent: no cap. FairPlay: absent.
   */
  readonly maxResolutionPixels?: number | null;
  /** FairPlay: the key's IV (its own, else the request's `iv`). Widevine: null. */
  readonly iv: Buffer | null;
}

export type LicensePolicy = WidevinePolicy | FairPlayPolicy | ClearKeyPolicy;

/** A token request that passed every rule that needs no I/O. */
export interface TokenRequest {
  readonly drm: Drm;
  /** 16 bytes; null only for a FairPlay request without kid (then the token carries no kid). Widevine and Clear Key require it. */
  readonly kid: Buffer | null;
  readonly key: KeySource;
  /** FairPlay only: 16 bytes. */
  readonly iv: Buffer | null;
  readonly policy: LicensePolicy;
  /** Unix seconds. */
  readonly expiresAt: number;
  readonly cookie: string | null;
  /** Most deliveries the token may make (1 = one-time); null = no limit. */
  readonly useLimit: number | null;
  /**
   * A multi-key request's keys, in order (`kid` and `key` above are the first one's); null for a single-key request.
   * Never empty.
   */
  readonly keys: readonly RequestKey[] | null;
  /** Widevine and FairPlay: most simultaneous streams; null = no limit. */
  readonly maxStreams: number | null;
  /** With maxStreams: stop the oldest stream rather than refuse the new one. */
  readonly stopOldestStream: boolean;
  /** Widevine and FairPlay: most distinct devices within deviceWindow seconds; null = no limit. */
  readonly maxDevices: number | null;
  readonly deviceWindow: number;
}
