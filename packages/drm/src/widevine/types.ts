import type { KeyObject } from 'node:crypto';
import type { HdcpLevel, TrackType, WidevinePolicy } from '@openplay/core';
import type { WidevineUsageReport } from './usage-report';

export type WidevineDeviceLevel = 'L1' | 'L2' | 'L3';
export type WidevineDeviceStatus = 'valid' | 'revoked';

/** What configuration says about one device model (system id). */
export interface WidevineDeviceEntry {
  readonly level: WidevineDeviceLevel;
  readonly status: WidevineDeviceStatus;
}

/** Devices neither the device map nor the DCSL names: refuse them, or assume a level. */
export type WidevineUnknownDevicePolicy = 'reject' | WidevineDeviceLevel;

/** One key of a multi-key grant, with its own track and protection (a multi-key token's key). */
export interface WidevineGrantKey {
  /** 16 bytes. */
  readonly kid: Buffer;
  /** 16 bytes. */
  readonly contentKey: Buffer;
  /** The key container's track_label; null for none. */
  readonly track: TrackType | null;
  /** 1–5: the level the device must meet for this key (else it is left out of the license). */
  readonly securityLevel: WidevinePolicy['securityLevel'];
  /** 0–5: the HDCP the key requires (OutputProtection.HDCP). */
  readonly hdcpOutputControl: HdcpLevel;
  /**
   * The most pixels (width × height) the key may decrypt video for: one video_resolution_constraint of 0 to this many
   * pixels, under the key's HDCP. Null or absent: no constraint (the CDM applies none).
   */
  readonly maxResolutionPixels?: number | null;
}

/** A key of a multi-key grant that the license leaves out, and why; no key bytes. */
export interface WidevineWithheldKey {
  /** Hex. */
  readonly kid: string;
  readonly track: TrackType | null;
  readonly securityLevel: number;
  readonly reason: string;
}

/**
 * What the rights server decided the challenge may receive: one content key under one kid, or (`keys`) several, each
 * delivered when the device meets its level.
 */
export interface WidevineGrant {
  /** 16 bytes. The license names the key by this id whatever key ids the challenge's PSSH carries. */
  readonly kid: Buffer;
  /** 16 bytes. */
  readonly contentKey: Buffer;
  readonly policy: WidevinePolicy;
  /** The token's id; echoed as `License.id.purchase_id` (at most 64 bytes) to correlate licenses and tokens. */
  readonly tokenId: Buffer;
  /** Unix seconds: the token's issue time. */
  readonly issuedAt: number;
  /** Unix seconds: the token's expiry. The rights server enforces it; the license does not carry it. */
  readonly expiresAt: number;
  /**
   * True when the token has expired: the rights server admits such a token for a renewal or a release only (core's
   * `outlivesToken`), and the licenser then answers only for a license issued while the token was valid (core's
   * `assertIssuedWhileValid`, -4010): a renewal under that license's policy, a release until core's
   * `releaseDeadline` (-4010 after it); any other request is -4010 `token expired`.
   */
  readonly tokenExpired?: boolean;
  /**
   * The license's stream is counted against a stream limit (the token's or its account's): its session id says so
   * (see `isCountedStreamSession`), under the renewal HMAC, so that its renewals and release keep the count whatever
   * the account's setting is by then.
   */
  readonly countedStream?: boolean;
  /**
   * A multi-key grant's keys, 1–32 (the first one is `kid` and `contentKey`). The license carries one content key
   * container per key the device's level allows, each with its track, level and HDCP; a key whose level the device
   * does not meet is left out (`WidevineOutcome.withheld`). None deliverable: -7008. Absent: the single key above,
   * under `policy`'s levels.
   */
  readonly keys?: readonly WidevineGrantKey[];
}

/** The authenticated device behind a license request. */
export interface WidevineDevice {
  readonly systemId: number;
  readonly level: WidevineDeviceLevel;
  /** False when the level comes from the unknown-devices policy rather than the device map or DCSL. */
  readonly known: boolean;
  /** Hex serial numbers of the device certificate and of its model (intermediate) certificate. */
  readonly serialNumber: string;
  readonly modelSerialNumber: string;
  /** True when the client identity arrived encrypted to the service certificate. */
  readonly privacyMode: boolean;
  /** `ClientIdentification.client_info` (company_name, model_name, …) as the device states it: unauthenticated. */
  readonly clientInfo: Readonly<Record<string, string>>;
}

export type WidevineOutcomeKind = 'service-certificate' | 'license' | 'renewal' | 'release';

export interface WidevineOutcome {
  readonly kind: WidevineOutcomeKind;
  /** The response body: a serialized SignedMessage, sent as application/octet-stream. */
  readonly body: Buffer;
  /** Present for 'license' (renewal and release requests carry no device identity). */
  readonly device?: WidevineDevice;
  /** A multi-key license: the kids (hex) it carries and the keys it left out. */
  readonly delivered?: readonly string[];
  readonly withheld?: readonly WidevineWithheldKey[];
  /**
   * 'license', 'renewal', 'release': the license's session id (16 bytes), written by this server into the license and
   * echoed (HMAC-verified) by its renewals and release: the identity of a stream.
   */
  readonly sessionId?: Buffer;
  /** 'release' with a `session_usage_table_entry`: what that usage report says (see `readUsageReport`). */
  readonly usageReport?: WidevineUsageReport;
}

/** The rights server's view of a Widevine licenser. Refusals throw a `WidevineRefusal` (an ExpressPlayError). */
export interface WidevineLicenser {
  handle(challenge: Buffer, grant: WidevineGrant): Promise<WidevineOutcome> | WidevineOutcome;
}

export interface WidevineServiceCertificateConfig {
  /** Serialized SignedDrmCertificate of type SERVICE, signed by a trusted root. */
  readonly certificate: Buffer;
  /** Its RSA private key: a KeyObject, PEM (PKCS#1 or PKCS#8) or PKCS#1/PKCS#8 DER. */
  readonly privateKey: KeyObject | string | Buffer;
}

/** Renewals are off unless configured: then licenses say can_renew and the CDM renews on this schedule. */
export interface WidevineRenewalConfig {
  readonly delaySeconds: number;
  readonly retryIntervalSeconds?: number;
  readonly recoveryDurationSeconds?: number;
}

export interface WidevineLicenserConfig {
  /**
   * Roots that device chains (and the service certificate) may chain to, each a serialized, self-signed
   * SignedDrmCertificate of type ROOT. Google's Widevine root is always trusted in addition.
   */
  readonly trustedRoots?: readonly Buffer[];
  /** Needed to answer `08 04` and to read privacy-mode (encrypted) client identities. */
  readonly serviceCertificate?: WidevineServiceCertificateConfig;
  /** system id → level and status. Takes precedence over the DCSL. */
  readonly devices?: ReadonlyMap<number, WidevineDeviceEntry> | Readonly<Record<string, WidevineDeviceEntry>>;
  /** A Device Certificate Status List: serialized SignedCertificateStatusList or DeviceCertificateStatusList. */
  readonly deviceStatusList?: Buffer;
  readonly unknownDevices: WidevineUnknownDevicePolicy;
  /**
   * Server secret (≥ 32 bytes) from which each license's renewal MAC keys are derived, so renewals and releases
   * are verified without per-license state. Changing it invalidates renewals of licenses already issued.
   */
  readonly renewalSecret: Buffer;
  readonly renewal?: WidevineRenewalConfig;
  /** Largest challenge accepted, in bytes (default 64 KiB). */
  readonly maxChallengeBytes?: number;
  /** Verified device and model certificates kept, each (default 10 000). */
  readonly certificateCacheSize?: number;
  /** Clock in unix seconds (tests). */
  readonly now?: () => number;
}
