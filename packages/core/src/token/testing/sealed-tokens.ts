import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { TokenClaims } from '../claims';
import { createKeyRing } from '../key-ring';

/**
 * Fixtures and helpers for the token codec's specs: one key ring, a fixed nonce (so that a token's bytes repeat), and
 * the sealed bytes opened or forged by hand, as only a holder of the key could. Not exported from the package, and
 * free of jest's globals because tsconfig.build.json compiles everything under src/ that is not a .spec.ts.
 */

export const KEY = Buffer.alloc(32, 0x42);
export const RING = createKeyRing([{ id: 1, key: KEY }]);
export const NONCE = Buffer.alloc(12, 0x0c);
export const ISSUED = 1767225600;

/** The claims every DRM's token has, valid for a minute from ISSUED. */
export const COMMON_CLAIMS = {
  tokenId: Buffer.alloc(16, 0x11),
  account: 7,
  environment: 'test' as const,
  issuedAt: ISSUED,
  expiresAt: ISSUED + 60,
  cookie: 'c',
  kid: Buffer.alloc(16, 0x22),
  contentKey: Buffer.alloc(16, 0x33),
};

/** A one-key Widevine token: security level 1, no HDCP, a 60 s license. */
export const WV_CLAIMS = {
  ...COMMON_CLAIMS,
  drm: 'wv',
  iv: null,
  policy: { drm: 'wv', securityLevel: 1, hdcpOutputControl: 0, licenseDuration: 60, contentId: 'x', extensions: [] },
} as const satisfies TokenClaims;

/** The claim bytes of a token sealed under KEY (the header and nonce it carries, the tag checked). */
export function plaintextOf(token: string): Buffer {
  const bytes = Buffer.from(token, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', KEY, bytes.subarray(2, 14), { authTagLength: 16 });
  decipher.setAAD(bytes.subarray(0, 2));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(14, bytes.length - 16)), decipher.final()]);
}

/** Seals arbitrary claim bytes under KEY (version 1, key 1) and NONCE, to test what the decoder accepts. */
export function sealRaw(plaintext: Buffer): string {
  const header = Buffer.from([1, 1]);
  const cipher = createCipheriv('aes-256-gcm', KEY, NONCE, { authTagLength: 16 });
  cipher.setAAD(header);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, NONCE, body, cipher.getAuthTag()]).toString('base64url');
}

/** The token of `plain` sealed under the same header and nonce as `token`. */
export function resealed(token: string, plain: Buffer): string {
  const bytes = Buffer.from(token, 'base64url');
  const cipher = createCipheriv('aes-256-gcm', KEY, bytes.subarray(2, 14), { authTagLength: 16 });
  cipher.setAAD(bytes.subarray(0, 2));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([bytes.subarray(0, 14), body, cipher.getAuthTag()]).toString('base64url');
}
