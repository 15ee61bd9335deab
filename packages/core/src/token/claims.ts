import type { Drm, Environment, LicensePolicy } from '../request/types';

/** What a token carries (sealed by the codec; players never see inside). */
export interface TokenClaims {
  /** 16 random bytes; its hex form is the token id in audit rows. */
  readonly tokenId: Buffer;
  /** The account's public number. */
  readonly account: number;
  readonly environment: Environment;
  readonly drm: Drm;
  /** Unix seconds. */
  readonly issuedAt: number;
  /** Unix seconds. */
  readonly expiresAt: number;
  readonly cookie: string | null;
  /** 16 bytes, or null (FairPlay without kid). */
  readonly kid: Buffer | null;
  /** 16 bytes. Never log it. */
  readonly contentKey: Buffer;
  /** FairPlay: 16 bytes; Widevine: null. */
  readonly iv: Buffer | null;
  readonly policy: LicensePolicy;
}
