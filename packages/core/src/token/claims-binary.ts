import { MAX_USE_LIMIT } from '../request/token-checks';
import type { ClearKeyPolicy, Extension, FairPlayPolicy, WidevinePolicy } from '../request/types';
import type { TokenClaims } from './claims';

/**
 * The binary encoding of {@link TokenClaims} that a version-1 token encrypts. The layout is documented
 * in FORMAT (see the package README, "Token format"); this file is its only implementation.
 *
 * `claimsSize` and `writeClaims` validate and encode in two passes so that the sealer allocates the
 * token's bytes once and encrypts in place. `readClaims` throws {@link CorruptClaims} on any departure
 * from the layout, trailing bytes included.
 */

export const ID_BYTES = 16;
/** Timestamps are Unix seconds in [0, 2^48): their difference then zigzags exactly in a double. */
export const MAX_TIMESTAMP = 2 ** 48 - 1;

const F_FAIRPLAY = 0x01;
const F_PRODUCTION = 0x02;
const F_KID = 0x04;
const F_COOKIE = 0x08;
const F_EXTENSIONS = 0x10;
/** Widevine: licenseDuration present. FairPlay: rightsType present. */
const F_POLICY_A = 0x20;
/** Widevine: contentId present. FairPlay: rightsType is Rental (BuyToOwn when clear); only with F_POLICY_A. */
const F_POLICY_B = 0x40;
/**
 * Clear Key (the bit reserved until then, so Widevine and FairPlay tokens are unchanged). Never with F_FAIRPLAY: that
 * pair stays reserved (a DRM byte could follow it, should a fourth DRM come); never with F_POLICY_A or F_POLICY_B.
 */
const F_CLEAR_KEY = 0x80;
/**
 * F_FAIRPLAY | F_CLEAR_KEY, the reserved pair: a second flags byte follows, which names the DRM (X_DRM) and holds
 * flags the first byte has no room for. Used only when one of them is set, so tokens without them keep their bytes,
 * and a server that predates it refuses such a token as forged rather than ignore a limit it cannot enforce.
 */
const F_EXTENDED = F_FAIRPLAY | F_CLEAR_KEY;
/** Second flags byte: the DRM in bits 0-1 (0 Widevine, 1 FairPlay, 2 Clear Key, 3 reserved). */
const X_DRM = 0x03;
const X_DRM_CODES = { wv: 0, fp: 1, ck: 2 } as const;
/** Second flags byte: useLimit present (after the cookie). */
const X_USE_LIMIT = 0x04;
/**
 * Second flags byte: an offline-capable (persistent) token; its duration follows the DRM's policy fields (Widevine
 * rentalDuration, FairPlay playbackDuration). Widevine and FairPlay only (docs/decisions/0022-offline-licenses.md).
 */
const X_OFFLINE = 0x40;

const EXTENSION_TYPE_BYTES = 4;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Thrown by {@link readClaims}; the sealer's validation throws plain TypeError/RangeError instead. */
export class CorruptClaims extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'CorruptClaims';
  }
}

// ---------------------------------------------------------------------------------------------------
// Size and validation

/** Validates `claims` and returns the size of their encoding. Throws TypeError/RangeError on bad claims. */
export function claimsSize(claims: TokenClaims): number {
  const { policy } = claims;
  if (claims.drm !== 'wv' && claims.drm !== 'fp' && claims.drm !== 'ck') {
    throw new TypeError('claims: drm must be wv, fp or ck');
  }
  if (policy === null || typeof policy !== 'object' || policy.drm !== claims.drm) {
    throw new TypeError('claims: policy.drm must equal drm');
  }
  if (claims.environment !== 'test' && claims.environment !== 'production') {
    throw new TypeError('claims: environment must be test or production');
  }
  let size = 1 + ID_BYTES + ID_BYTES; // flags, tokenId, contentKey
  checkId(claims.tokenId, 'tokenId');
  checkId(claims.contentKey, 'contentKey');
  if (claims.kid !== null) {
    checkId(claims.kid, 'kid');
    size += ID_BYTES;
  } else if (claims.drm === 'ck') {
    throw new TypeError('claims: kid must be 16 bytes for Clear Key');
  }
  if (claims.drm === 'fp') {
    checkId(claims.iv, 'iv');
    size += ID_BYTES;
  } else if (claims.iv !== null) {
    throw new TypeError('claims: iv must be null for Widevine and Clear Key');
  }
  size += uvarintSize(checkUint(claims.account, 'account'));
  const issuedAt = checkTimestamp(claims.issuedAt, 'issuedAt');
  const expiresAt = checkTimestamp(claims.expiresAt, 'expiresAt');
  size += uvarintSize(issuedAt) + uvarintSize(zigzag(expiresAt - issuedAt));
  if (claims.cookie !== null) size += stringSize(claims.cookie, 'cookie');
  const useLimit = claims.useLimit ?? null;
  if (useLimit !== null) {
    if (!isIntIn(useLimit, 1, MAX_USE_LIMIT))
      throw new RangeError(`claims: useLimit must be 1-${MAX_USE_LIMIT} or null`);
    size += 1 + uvarintSize(useLimit); // the second flags byte and the limit
  }
  const offline = offlineDuration(claims);
  if (offline !== null) size += (useLimit === null ? 1 : 0) + uvarintSize(offline);

  if (policy.drm === 'wv') {
    if (!isIntIn(policy.securityLevel, 1, 5)) throw new RangeError('claims: securityLevel must be 1-5');
    if (!isIntIn(policy.hdcpOutputControl, 0, 2)) throw new RangeError('claims: hdcpOutputControl must be 0-2');
    size += 1;
    if (policy.licenseDuration !== null) size += uvarintSize(checkUint(policy.licenseDuration, 'licenseDuration'));
    if (policy.contentId !== null) size += stringSize(policy.contentId, 'contentId');
  } else if (policy.drm === 'fp') {
    size += uvarintSize(checkUint(policy.rentalDuration, 'rentalDuration'));
    const { rightsType } = policy;
    if (rightsType !== null && rightsType !== 'BuyToOwn' && rightsType !== 'Rental') {
      throw new TypeError('claims: rightsType must be BuyToOwn, Rental or null');
    }
  }

  const { extensions } = policy;
  if (!Array.isArray(extensions)) throw new TypeError('claims: policy.extensions must be an array');
  if (policy.drm === 'ck' && extensions.length > 0) throw new TypeError('claims: Clear Key carries no extensions');
  if (extensions.length > 0) {
    size += uvarintSize(extensions.length);
    for (const extension of extensions as readonly Extension[]) {
      const { type, payload } = extension;
      if (typeof type !== 'string' || type.length !== EXTENSION_TYPE_BYTES || !isLatin1(type)) {
        throw new TypeError('claims: an extension type must be 4 characters of one byte each');
      }
      if (!Buffer.isBuffer(payload)) throw new TypeError('claims: an extension payload must be a Buffer');
      size += EXTENSION_TYPE_BYTES + uvarintSize(payload.length) + payload.length;
    }
  }
  return size;
}

/** The duration an offline-capable token carries (validated), or null for a streaming-only token. */
function offlineDuration(claims: TokenClaims): number | null {
  const { policy } = claims;
  if (policy.drm === 'ck' || policy.offline === undefined || policy.offline === null) return null;
  if (typeof policy.offline !== 'object') throw new TypeError('claims: policy.offline must be an object or null');
  return policy.drm === 'wv'
    ? checkUint(policy.offline.rentalDuration, 'offline.rentalDuration')
    : checkUint(policy.offline.playbackDuration, 'offline.playbackDuration');
}

function checkId(value: Buffer | null, name: string): void {
  if (!Buffer.isBuffer(value) || value.length !== ID_BYTES) throw new TypeError(`claims: ${name} must be 16 bytes`);
}

function checkUint(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`claims: ${name} must be a non-negative safe integer`);
  }
  return value;
}

function checkTimestamp(value: number, name: string): number {
  if (!isIntIn(value, 0, MAX_TIMESTAMP)) throw new RangeError(`claims: ${name} must be Unix seconds in [0, 2^48)`);
  return value;
}

function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function stringSize(value: string, name: string): number {
  if (typeof value !== 'string') throw new TypeError(`claims: ${name} must be a string or null`);
  // A lone surrogate has no UTF-8 form: it would come back as U+FFFD, so refuse it rather than alter it.
  if (LONE_SURROGATE.test(value)) throw new TypeError(`claims: ${name} is not well-formed Unicode`);
  const bytes = Buffer.byteLength(value, 'utf8');
  return uvarintSize(bytes) + bytes;
}

function isLatin1(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0xff) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Writing (claims already validated by claimsSize)

/** Writes the claims at `offset`; returns the offset after them. `out` must have `claimsSize` bytes there. */
export function writeClaims(claims: TokenClaims, out: Buffer, offset: number): number {
  const { policy } = claims;
  const extensions = policy.extensions;
  let flags = 0;
  if (claims.drm === 'fp') flags |= F_FAIRPLAY;
  if (claims.drm === 'ck') flags |= F_CLEAR_KEY;
  if (claims.environment === 'production') flags |= F_PRODUCTION;
  if (claims.kid !== null) flags |= F_KID;
  if (claims.cookie !== null) flags |= F_COOKIE;
  if (extensions.length > 0) flags |= F_EXTENSIONS;
  if (policy.drm === 'wv') {
    if (policy.licenseDuration !== null) flags |= F_POLICY_A;
    if (policy.contentId !== null) flags |= F_POLICY_B;
  } else if (policy.drm === 'fp' && policy.rightsType !== null) {
    flags |= F_POLICY_A;
    if (policy.rightsType === 'Rental') flags |= F_POLICY_B;
  }

  const useLimit = claims.useLimit ?? null;
  const offline = offlineDuration(claims);
  let at = offset;
  if (useLimit !== null || offline !== null) {
    out[at++] = (flags & ~F_EXTENDED) | F_EXTENDED;
    out[at++] = X_DRM_CODES[claims.drm] | (useLimit !== null ? X_USE_LIMIT : 0) | (offline !== null ? X_OFFLINE : 0);
  } else {
    out[at++] = flags;
  }
  at += claims.tokenId.copy(out, at);
  at += claims.contentKey.copy(out, at);
  if (claims.kid !== null) at += claims.kid.copy(out, at);
  if (claims.iv !== null) at += claims.iv.copy(out, at);
  at = writeUvarint(out, at, claims.account);
  at = writeUvarint(out, at, claims.issuedAt);
  at = writeUvarint(out, at, zigzag(claims.expiresAt - claims.issuedAt));
  if (claims.cookie !== null) at = writeString(out, at, claims.cookie);
  if (useLimit !== null) at = writeUvarint(out, at, useLimit);

  if (policy.drm === 'wv') {
    out[at++] = policy.securityLevel | (policy.hdcpOutputControl << 3);
    if (policy.licenseDuration !== null) at = writeUvarint(out, at, policy.licenseDuration);
    if (policy.contentId !== null) at = writeString(out, at, policy.contentId);
  } else if (policy.drm === 'fp') {
    at = writeUvarint(out, at, policy.rentalDuration);
  }
  if (offline !== null) at = writeUvarint(out, at, offline);

  if (extensions.length > 0) {
    at = writeUvarint(out, at, extensions.length);
    for (const { type, payload } of extensions) {
      at += out.write(type, at, EXTENSION_TYPE_BYTES, 'latin1');
      at = writeUvarint(out, at, payload.length);
      at += payload.copy(out, at);
    }
  }
  return at;
}

function writeString(out: Buffer, at: number, value: string): number {
  // Byte length first; strings are short (cookie: 32 characters), so measuring twice is cheaper than a copy.
  const bytes = Buffer.byteLength(value, 'utf8');
  at = writeUvarint(out, at, bytes);
  return at + out.write(value, at, bytes, 'utf8');
}

// ---------------------------------------------------------------------------------------------------
// Reading

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes `bytes[start, end)` exactly; throws {@link CorruptClaims} on anything else. */
export function readClaims(bytes: Buffer, start: number, end: number): TokenClaims {
  const r = new Reader(bytes, start, end);
  const flags = r.byte();
  let fairPlay = (flags & F_FAIRPLAY) !== 0;
  let clearKey = (flags & F_CLEAR_KEY) !== 0;
  let extended = 0;
  if (fairPlay && clearKey) {
    extended = r.byte();
    const drm = extended & X_DRM;
    if (drm === X_DRM) throw new CorruptClaims('reserved DRM code');
    // The second byte is written only for one of its flags, and defines no others: anything else is not canonical.
    const xflags = extended & ~X_DRM;
    if (xflags === 0 || (xflags & ~(X_USE_LIMIT | X_OFFLINE)) !== 0) throw new CorruptClaims('reserved extended flags');
    if (xflags & X_OFFLINE && drm === X_DRM_CODES.ck) throw new CorruptClaims('offline flag on Clear Key');
    fairPlay = drm === X_DRM_CODES.fp;
    clearKey = drm === X_DRM_CODES.ck;
  }
  if (clearKey && (flags & (F_POLICY_A | F_POLICY_B | F_EXTENSIONS) || !(flags & F_KID))) {
    throw new CorruptClaims('flags impossible for Clear Key');
  }

  const tokenId = r.bytes(ID_BYTES);
  const contentKey = r.bytes(ID_BYTES);
  const kid = flags & F_KID ? r.bytes(ID_BYTES) : null;
  const iv = fairPlay ? r.bytes(ID_BYTES) : null;
  const account = r.uvarint();
  const issuedAt = r.uvarint();
  if (issuedAt > MAX_TIMESTAMP) throw new CorruptClaims('issuedAt out of range');
  const expiresAt = issuedAt + unzigzag(r.uvarint());
  if (!(expiresAt >= 0 && expiresAt <= MAX_TIMESTAMP)) throw new CorruptClaims('expiresAt out of range');
  const cookie = flags & F_COOKIE ? r.string() : null;
  let useLimit: number | null = null;
  if (extended & X_USE_LIMIT) {
    useLimit = r.uvarint();
    if (useLimit < 1 || useLimit > MAX_USE_LIMIT) throw new CorruptClaims('useLimit out of range');
  }

  const common = {
    tokenId,
    account,
    environment: flags & F_PRODUCTION ? ('production' as const) : ('test' as const),
    issuedAt,
    expiresAt,
    cookie,
    kid,
    contentKey,
    // Only when set: the claims of a token without a limit are what they were before limits existed.
    ...(useLimit !== null && { useLimit }),
  };
  let claims: TokenClaims;
  if (clearKey) {
    const policy: ClearKeyPolicy = { drm: 'ck', extensions: [] };
    claims = { ...common, drm: 'ck', kid: kid!, iv: null, policy };
  } else if (fairPlay) {
    const rentalDuration = r.uvarint();
    let rightsType: FairPlayPolicy['rightsType'] = null;
    if (flags & F_POLICY_A) rightsType = flags & F_POLICY_B ? 'Rental' : 'BuyToOwn';
    else if (flags & F_POLICY_B) throw new CorruptClaims('rights type flag without rights type');
    const offline = extended & X_OFFLINE ? { playbackDuration: r.uvarint() } : null;
    const policy: FairPlayPolicy = {
      drm: 'fp',
      rentalDuration,
      rightsType,
      extensions: readExtensions(r, flags),
      ...(offline !== null && { offline }),
    };
    claims = { ...common, drm: 'fp', iv: iv!, policy };
  } else {
    const levels = r.byte();
    const securityLevel = levels & 0x07;
    const hdcpOutputControl = levels >> 3;
    if (securityLevel < 1 || securityLevel > 5 || hdcpOutputControl > 2) throw new CorruptClaims('bad levels');
    const licenseDuration = flags & F_POLICY_A ? r.uvarint() : null;
    const contentId = flags & F_POLICY_B ? r.string() : null;
    const offline = extended & X_OFFLINE ? { rentalDuration: r.uvarint() } : null;
    const policy: WidevinePolicy = {
      drm: 'wv',
      securityLevel: securityLevel as WidevinePolicy['securityLevel'],
      hdcpOutputControl: hdcpOutputControl as WidevinePolicy['hdcpOutputControl'],
      licenseDuration,
      contentId,
      extensions: readExtensions(r, flags),
      // Only when set: the claims of a streaming-only token are what they were before offline licenses existed.
      ...(offline !== null && { offline }),
    };
    claims = { ...common, drm: 'wv', iv: null, policy };
  }
  if (r.at !== end) throw new CorruptClaims('trailing bytes');
  return claims;
}

function readExtensions(r: Reader, flags: number): Extension[] {
  if (!(flags & F_EXTENSIONS)) return [];
  const count = r.uvarint();
  if (count === 0) throw new CorruptClaims('empty extension list');
  // Every extension takes at least 5 bytes: refuse a count the remaining bytes cannot hold before looping.
  if (count > (r.end - r.at) / (EXTENSION_TYPE_BYTES + 1)) throw new CorruptClaims('extension count too large');
  const extensions = new Array<Extension>(count);
  for (let i = 0; i < count; i++) {
    const type = r.latin1(EXTENSION_TYPE_BYTES);
    const payload = r.bytes(r.uvarint());
    extensions[i] = { type, payload };
  }
  return extensions;
}

class Reader {
  constructor(
    readonly buf: Buffer,
    public at: number,
    readonly end: number,
  ) {}

  byte(): number {
    if (this.at >= this.end) throw new CorruptClaims('truncated');
    return this.buf[this.at++];
  }

  /** A view on the decrypted bytes (not a copy): the claims own that buffer. */
  bytes(length: number): Buffer {
    const start = this.at;
    if (length > this.end - start) throw new CorruptClaims('truncated');
    this.at = start + length;
    return this.buf.subarray(start, this.at);
  }

  latin1(length: number): string {
    const start = this.at;
    if (length > this.end - start) throw new CorruptClaims('truncated');
    this.at = start + length;
    return this.buf.toString('latin1', start, this.at);
  }

  string(): string {
    const length = this.uvarint();
    const start = this.at;
    if (length > this.end - start) throw new CorruptClaims('truncated');
    const end = (this.at = start + length);
    const buf = this.buf;
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (buf[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return buf.toString('latin1', start, end);
    try {
      return utf8.decode(buf.subarray(start, end));
    } catch {
      throw new CorruptClaims('bad UTF-8');
    }
  }

  /** Unsigned LEB128, minimal, at most 2^53 - 1 (8 bytes). */
  uvarint(): number {
    const buf = this.buf;
    let at = this.at;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (at >= this.end) throw new CorruptClaims('truncated');
      const b = buf[at++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (b === 0 && i > 0) throw new CorruptClaims('non-minimal varint');
        if (value > Number.MAX_SAFE_INTEGER) throw new CorruptClaims('varint too large');
        this.at = at;
        return value;
      }
      scale *= 128;
    }
    throw new CorruptClaims('varint too long');
  }
}

// ---------------------------------------------------------------------------------------------------
// Varints

export function uvarintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let size = 4;
  let rest = Math.floor(value / 0x10000000);
  while (rest > 0) {
    size++;
    rest = Math.floor(rest / 128);
  }
  return size;
}

function writeUvarint(out: Buffer, at: number, value: number): number {
  // Bit operations are 32-bit in JavaScript: divide above 2^31 so that values up to 2^53 - 1 work.
  while (value >= 0x80000000) {
    out[at++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[at++] = value;
  return at;
}

/** Signed to unsigned: 0, -1, 1, -2 … → 0, 1, 2, 3 …; exact for |n| < 2^52. */
function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}
