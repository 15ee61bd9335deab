import { randomFillSync } from 'node:crypto';
import { ExpressPlayError } from '../errors';
import { tokenAead } from './aead';
import type { TokenClaims } from './claims';
import { claimsSize, readClaims, writeClaims } from './claims-binary';
import { ringKey, type KeyRing } from './key-ring';

/**
 * The token codec: `base64url( version | keyId | nonce | AES-256-GCM(claims) | tag )`, with the version
 * and key-id bytes authenticated as additional data. See the package README, "Token format".
 */

export const TOKEN_VERSION = 1;
export const TOKEN_NONCE_BYTES = 12;
export const TOKEN_TAG_BYTES = 16;
/** version, key id, nonce. */
export const TOKEN_HEADER_BYTES = 2 + TOKEN_NONCE_BYTES;
/**
 * Longest token (base64url characters, padding excluded) that is sealed or opened: 9216 bytes. A token
 * travels in a URL or a header, and Node's HTTP server refuses more than 16 KiB of request line and
 * headers together by default; 12 KiB leaves room for the rest of the request.
 */
export const MAX_TOKEN_LENGTH = 12288;
const MAX_TOKEN_BYTES = (MAX_TOKEN_LENGTH / 4) * 3;

/** The details of the -4010 errors that `openToken` throws: expiry, an unknown key, everything else. */
export const TOKEN_EXPIRED = 'token expired';
export const TOKEN_UNKNOWN_KEY = 'unknown token key';
export const TOKEN_FORGED = 'token forged or corrupt';

/**
 * The length of the token `claims` would seal to (base64url characters), after the same validation as
 * {@link sealToken}. Token issuance can refuse claims longer than {@link MAX_TOKEN_LENGTH} (with a client
 * error) before it seals them; sealToken itself throws a RangeError for them.
 */
export function sealedTokenLength(claims: TokenClaims): number {
  return Math.ceil(((TOKEN_HEADER_BYTES + claimsSize(claims) + TOKEN_TAG_BYTES) * 4) / 3);
}

/**
 * Seals `claims` under the ring's newest key. `iv` fixes the 12-byte nonce (tests only: a nonce must
 * never repeat under one key). Throws TypeError/RangeError when the claims break their contract (a bug
 * in the caller, not a client error).
 */
export function sealToken(claims: TokenClaims, ring: KeyRing, iv?: Buffer): string {
  const plaintextBytes = claimsSize(claims);
  const total = TOKEN_HEADER_BYTES + plaintextBytes + TOKEN_TAG_BYTES;
  if (total > MAX_TOKEN_BYTES) {
    throw new RangeError(`claims: a token of ${total} bytes exceeds ${MAX_TOKEN_BYTES} (MAX_TOKEN_LENGTH)`);
  }
  const keyId = ring.sealingKeyId;
  const key = ringKey(ring, keyId)!;

  // One buffer: the header, then the claims written in place and overwritten by their ciphertext.
  const out = Buffer.allocUnsafe(total);
  out[0] = TOKEN_VERSION;
  out[1] = keyId;
  if (iv === undefined) takeNonce(out, 2);
  else if (Buffer.isBuffer(iv) && iv.length === TOKEN_NONCE_BYTES) iv.copy(out, 2);
  else throw new TypeError(`sealToken: iv must be ${TOKEN_NONCE_BYTES} bytes`);
  const start = TOKEN_HEADER_BYTES;
  const end = start + plaintextBytes;
  if (writeClaims(claims, out, start) !== end) throw new Error('sealToken: claims encoding size mismatch');

  const claimsBytes = out.subarray(start, end);
  tokenAead().encryptInto(claimsBytes, out.subarray(end), key, out.subarray(2, start), out.subarray(0, 2), claimsBytes);
  return out.toString('base64url');
}

/**
 * Opens a token sealed by any key of the ring. Authenticity is established before expiry is looked at:
 * `token expired` is only ever said of a genuine token. A token expires at `expiresAt` (`nowSeconds >=
 * expiresAt` is expired). Every failure is `ExpressPlayError(-4010)` with one of TOKEN_EXPIRED,
 * TOKEN_UNKNOWN_KEY, TOKEN_FORGED as details.
 */
export function openToken(token: string, ring: KeyRing, nowSeconds: number): TokenClaims {
  const claims = openClaims(token, ring);
  if (!(nowSeconds < claims.expiresAt)) throw new ExpressPlayError(-4010, TOKEN_EXPIRED);
  return claims;
}

/** A genuine token's claims, and whether it has expired. */
export interface OpenedToken {
  readonly claims: TokenClaims;
  readonly expired: boolean;
}

/**
 * Opens a genuine token whether or not it has expired: forged, corrupt and unknown-key tokens are refused exactly
 * as by {@link openToken} (-4010), an expired one comes back with `expired: true` instead of TOKEN_EXPIRED. Only
 * for the requests that `outlivesToken` says a token's expiry does not end (a Widevine renewal or release);
 * everything else opens tokens with openToken, so that an expired token stays refused by default.
 */
export function openGenuineToken(token: string, ring: KeyRing, nowSeconds: number): OpenedToken {
  const claims = openClaims(token, ring);
  return { claims, expired: !(nowSeconds < claims.expiresAt) };
}

/** The claims of a token sealed by a key of the ring, expired or not; -4010 when forged, corrupt or unknown-key. */
function openClaims(token: string, ring: KeyRing): TokenClaims {
  const bytes = decodeBase64Url(token);
  if (bytes === null || bytes.length <= TOKEN_HEADER_BYTES + TOKEN_TAG_BYTES || bytes[0] !== TOKEN_VERSION) {
    throw new ExpressPlayError(-4010, TOKEN_FORGED);
  }
  const key = ringKey(ring, bytes[1]);
  if (key === undefined) throw new ExpressPlayError(-4010, TOKEN_UNKNOWN_KEY);

  const start = TOKEN_HEADER_BYTES;
  const end = bytes.length - TOKEN_TAG_BYTES;
  const plaintext = tokenAead().decrypt(
    key,
    bytes.subarray(2, start),
    bytes.subarray(0, 2),
    bytes.subarray(start, end),
    bytes.subarray(end),
  );
  if (plaintext === null) throw new ExpressPlayError(-4010, TOKEN_FORGED);
  try {
    return readClaims(plaintext, 0, plaintext.length);
  } catch {
    throw new ExpressPlayError(-4010, TOKEN_FORGED);
  }
}

// ---------------------------------------------------------------------------------------------------
// base64url, strictly: the URL-safe alphabet, canonical final character, and at most the exact `=`
// padding that standard base64 would add (some clients pad). `+`, `/`, blanks and anything else fail.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const SEXTET = new Uint8Array(128).fill(0xff);
for (let i = 0; i < ALPHABET.length; i++) SEXTET[ALPHABET.charCodeAt(i)] = i;
const EQUALS = 0x3d;

/** The decoded bytes, or null when `text` is not strict base64url (optionally padded). */
export function decodeBase64Url(text: string): Buffer | null {
  if (typeof text !== 'string') return null;
  let length = text.length;
  if (length > MAX_TOKEN_LENGTH + 2) return null;
  if (length > 0 && text.charCodeAt(length - 1) === EQUALS) {
    length--;
    if (length > 0 && text.charCodeAt(length - 1) === EQUALS) length--;
    if (text.length % 4 !== 0 || length % 4 === 0) return null; // padding must be exactly what base64 adds
  }
  if (length > MAX_TOKEN_LENGTH || length % 4 === 1) return null;
  let last = 0;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    last = code < 128 ? SEXTET[code] : 0xff;
    if (last === 0xff) return null;
  }
  // The bits of the final character that encode no byte must be zero, so each token has one spelling.
  const rest = length % 4;
  if ((rest === 2 && (last & 0x0f) !== 0) || (rest === 3 && (last & 0x03) !== 0)) return null;
  return Buffer.from(length === text.length ? text : text.slice(0, length), 'base64url');
}

// ---------------------------------------------------------------------------------------------------
// Nonces: random 96-bit, drawn from a pool refilled 340 nonces at a time (one CSPRNG call instead of one
// per token, the way Node's randomUUID caches). Nonces are public, so pooling exposes nothing.

const NONCE_POOL = Buffer.alloc(TOKEN_NONCE_BYTES * 340);
let nonceOffset = NONCE_POOL.length;

function takeNonce(out: Buffer, at: number): void {
  if (nonceOffset === NONCE_POOL.length) {
    randomFillSync(NONCE_POOL);
    nonceOffset = 0;
  }
  NONCE_POOL.copy(out, at, nonceOffset, nonceOffset + TOKEN_NONCE_BYTES);
  nonceOffset += TOKEN_NONCE_BYTES;
}
