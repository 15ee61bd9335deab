import { MAX_DEVICE_WINDOW, MAX_DEVICES, MAX_STREAMS, MAX_USE_LIMIT, MIN_DEVICE_WINDOW } from '../request/token-checks';
import {
  MAX_RESOLUTION_SIDE,
  MAX_TOKEN_KEYS,
  TRACK_TYPES,
  type ClearKeyPolicy,
  type Extension,
  type FairPlayPolicy,
  type HdcpLevel,
  type WidevinePolicy,
} from '../request/types';
import type { TokenClaims, TokenKey } from './claims';

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
/** Second flags byte: a stream limit present (after useLimit): uvarint of maxStreams × 2 + 1 when stop-oldest. */
const X_STREAM_LIMIT = 0x08;
/** Second flags byte: a device limit present (after the stream limit): uvarint maxDevices, uvarint window seconds. */
const X_DEVICE_LIMIT = 0x10;
/** Second flags byte: a key list follows the limits (a multi-key token, docs/decisions/0016-multi-key-tokens.md). */
const X_KEYS = 0x20;
/**
 * Second flags byte: an offline-capable (persistent) token; its duration follows the DRM's policy fields (Widevine
 * rentalDuration, FairPlay playbackDuration). Widevine and FairPlay only (docs/decisions/0022-offline-licenses.md).
 */
const X_OFFLINE = 0x40;
/**
 * Second flags byte: per-key resolution caps follow the key list, one uvarint of pixels per key (0 = no cap). Only with
 * X_KEYS on Widevine, and only when a key has a cap (docs/decisions/0016-multi-key-tokens.md, amendment).
 */
const X_RESOLUTION_CAPS = 0x80;
/** The flags the second byte defines besides the DRM: one of them must be set, or the byte is not written. */
const X_FLAGS = X_USE_LIMIT | X_STREAM_LIMIT | X_DEVICE_LIMIT | X_KEYS | X_OFFLINE | X_RESOLUTION_CAPS;
/** Highest HDCP level a key of a key list may require (HDCP_V2_3). */
const MAX_KEY_HDCP = 5;
/** Largest resolution cap, in pixels: MAX_RESOLUTION_SIDE², within the license's uint32. */
const MAX_RESOLUTION_PIXELS = MAX_RESOLUTION_SIDE * MAX_RESOLUTION_SIDE;

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
    size += uvarintSize(useLimit);
  }
  const maxStreams = claims.maxStreams ?? null;
  if (maxStreams !== null) {
    if (claims.drm === 'ck') throw new TypeError('claims: maxStreams is for Widevine and FairPlay tokens only');
    if (!isIntIn(maxStreams, 1, MAX_STREAMS))
      throw new RangeError(`claims: maxStreams must be 1-${MAX_STREAMS} or null`);
    size += uvarintSize(streamLimitCode(maxStreams, claims.stopOldestStream));
  } else if (claims.stopOldestStream) {
    throw new TypeError('claims: stopOldestStream needs maxStreams');
  }
  const maxDevices = claims.maxDevices ?? null;
  if (maxDevices !== null) {
    if (claims.drm === 'ck') throw new TypeError('claims: maxDevices is for Widevine and FairPlay tokens only');
    if (!isIntIn(maxDevices, 1, MAX_DEVICES))
      throw new RangeError(`claims: maxDevices must be 1-${MAX_DEVICES} or null`);
    const window = claims.deviceWindow ?? -1;
    if (!isIntIn(window, MIN_DEVICE_WINDOW, MAX_DEVICE_WINDOW))
      throw new RangeError('claims: deviceWindow out of range');
    size += uvarintSize(maxDevices) + uvarintSize(window);
  }
  const keys = claims.keys ?? null;
  if (keys !== null) size += keyListSize(claims, keys);
  const offline = offlineDuration(claims);
  if (offline !== null) size += uvarintSize(offline);
  const extended = useLimit !== null || maxStreams !== null || maxDevices !== null || keys !== null || offline !== null;
  if (extended) size += 1; // the second flags byte

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

/** Validates a key list (see FORMAT.md, "Key list") and returns its size. */
function keyListSize(claims: TokenClaims, keys: readonly TokenKey[]): number {
  // (Array.isArray would narrow the readonly list to any[].)
  if (!(keys instanceof Array)) throw new TypeError('claims: keys must be an array or null');
  if (claims.drm === 'ck') throw new TypeError('claims: a Clear Key token carries no key list');
  if (keys.length < 1 || keys.length > MAX_TOKEN_KEYS)
    throw new RangeError(`claims: keys must hold 1-${MAX_TOKEN_KEYS}`);
  const kids = new Set<string>();
  let size = 1; // the count
  keys.forEach((key, index) => {
    checkId(key.kid, `keys[${index}].kid`);
    checkId(key.contentKey, `keys[${index}].contentKey`);
    const kidHex = key.kid.toString('hex');
    if (kids.has(kidHex)) throw new RangeError('claims: the kids of keys must be distinct');
    kids.add(kidHex);
    if (index > 0) size += 2 * ID_BYTES;
    if (claims.drm === 'wv') {
      if (!isIntIn(key.securityLevel ?? 0, 1, 5)) throw new RangeError('claims: a key securityLevel must be 1-5');
      if (!isIntIn(key.hdcpOutputControl ?? -1, 0, MAX_KEY_HDCP))
        throw new RangeError(`claims: a key hdcpOutputControl must be 0-${MAX_KEY_HDCP}`);
      if (key.track !== null && !TRACK_TYPES.includes(key.track)) throw new TypeError('claims: unknown key track');
      if (key.iv !== null) throw new TypeError('claims: a Widevine key has no iv');
      size += 2;
      const cap = key.maxResolutionPixels ?? null;
      if (cap !== null && !isIntIn(cap, 1, MAX_RESOLUTION_PIXELS)) {
        throw new RangeError(`claims: a key maxResolutionPixels must be 1-${MAX_RESOLUTION_PIXELS} or null`);
      }
    } else {
      checkId(key.iv, `keys[${index}].iv`);
      if (key.track !== null || key.securityLevel !== null || key.hdcpOutputControl !== null) {
        throw new TypeError('claims: a FairPlay key has no track or levels');
      }
      if ((key.maxResolutionPixels ?? null) !== null)
        throw new TypeError('claims: a FairPlay key has no resolution cap');
      if (index > 0) size += ID_BYTES;
    }
  });
  // The first key is the token's kid, content key (and IV): stored once, where a single-key token has them.
  const first = keys[0];
  if (claims.kid === null || !first.kid.equals(claims.kid) || !first.contentKey.equals(claims.contentKey)) {
    throw new TypeError('claims: the first key must be the kid and contentKey');
  }
  if (claims.drm === 'fp' && !first.iv!.equals(claims.iv)) throw new TypeError('claims: the first key must be the iv');
  if (hasResolutionCaps(keys)) for (const key of keys) size += uvarintSize(key.maxResolutionPixels ?? 0);
  return size;
}

/** Whether a key list carries its caps (X_RESOLUTION_CAPS): only when one of its keys has one. */
function hasResolutionCaps(keys: readonly TokenKey[] | null): boolean {
  return keys !== null && keys.some((key) => (key.maxResolutionPixels ?? null) !== null);
}

function streamLimitCode(maxStreams: number, stopOldest: boolean | undefined): number {
  return maxStreams * 2 + (stopOldest ? 1 : 0);
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
  const maxStreams = claims.maxStreams ?? null;
  const maxDevices = claims.maxDevices ?? null;
  const keys = claims.keys ?? null;
  const offline = offlineDuration(claims);
  let at = offset;
  if (useLimit !== null || maxStreams !== null || maxDevices !== null || keys !== null || offline !== null) {
    out[at++] = (flags & ~F_EXTENDED) | F_EXTENDED;
    out[at++] =
      X_DRM_CODES[claims.drm] |
      (useLimit !== null ? X_USE_LIMIT : 0) |
      (maxStreams !== null ? X_STREAM_LIMIT : 0) |
      (maxDevices !== null ? X_DEVICE_LIMIT : 0) |
      (keys !== null ? X_KEYS : 0) |
      (offline !== null ? X_OFFLINE : 0) |
      (hasResolutionCaps(keys) ? X_RESOLUTION_CAPS : 0);
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
  if (maxStreams !== null) at = writeUvarint(out, at, streamLimitCode(maxStreams, claims.stopOldestStream));
  if (maxDevices !== null) {
    at = writeUvarint(out, at, maxDevices);
    at = writeUvarint(out, at, claims.deviceWindow!);
  }
  if (keys !== null) at = writeKeyList(out, at, keys, claims.drm === 'wv');

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

function writeKeyList(out: Buffer, at: number, keys: readonly TokenKey[], widevine: boolean): number {
  out[at++] = keys.length - 1;
  keys.forEach((key, index) => {
    if (index > 0) {
      at += key.kid.copy(out, at);
      at += key.contentKey.copy(out, at);
      if (!widevine) at += key.iv!.copy(out, at);
    }
    if (widevine) {
      out[at++] = key.securityLevel! | (key.hdcpOutputControl! << 3);
      out[at++] = key.track === null ? 0 : TRACK_TYPES.indexOf(key.track) + 1;
    }
  });
  if (hasResolutionCaps(keys)) for (const key of keys) at = writeUvarint(out, at, key.maxResolutionPixels ?? 0);
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
    if (xflags === 0 || (xflags & ~X_FLAGS) !== 0) throw new CorruptClaims('reserved extended flags');
    if (xflags & X_KEYS && drm === X_DRM_CODES.ck) throw new CorruptClaims('key list on Clear Key');
    if (extended & (X_STREAM_LIMIT | X_DEVICE_LIMIT) && drm === X_DRM_CODES.ck) {
      throw new CorruptClaims('stream or device limit on a Clear Key token');
    }
    if (xflags & X_OFFLINE && drm === X_DRM_CODES.ck) throw new CorruptClaims('offline flag on Clear Key');
    if (xflags & X_RESOLUTION_CAPS && (drm !== X_DRM_CODES.wv || !(xflags & X_KEYS))) {
      throw new CorruptClaims('resolution caps without a Widevine key list');
    }
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
  let maxStreams: number | null = null;
  let stopOldestStream = false;
  if (extended & X_STREAM_LIMIT) {
    const code = r.uvarint();
    maxStreams = Math.floor(code / 2);
    stopOldestStream = code % 2 === 1;
    if (maxStreams < 1 || maxStreams > MAX_STREAMS) throw new CorruptClaims('maxStreams out of range');
  }
  let maxDevices: number | null = null;
  let deviceWindow = 0;
  if (extended & X_DEVICE_LIMIT) {
    maxDevices = r.uvarint();
    deviceWindow = r.uvarint();
    if (maxDevices < 1 || maxDevices > MAX_DEVICES) throw new CorruptClaims('maxDevices out of range');
    if (deviceWindow < MIN_DEVICE_WINDOW || deviceWindow > MAX_DEVICE_WINDOW) {
      throw new CorruptClaims('deviceWindow out of range');
    }
  }
  let keys: TokenKey[] | null = null;
  if (extended & X_KEYS) {
    if (kid === null) throw new CorruptClaims('key list without kid');
    keys = readKeyList(r, { kid, contentKey, iv }, !fairPlay);
    if (extended & X_RESOLUTION_CAPS) readResolutionCaps(r, keys);
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
    ...(maxStreams !== null && { maxStreams, stopOldestStream }),
    ...(maxDevices !== null && { maxDevices, deviceWindow }),
    ...(keys !== null && { keys }),
  };
  // The DRM's fields are assigned onto `common`, not spread with it into a new object: V8 took that spread through
  // its slow path, which cost about 20 µs and most of the garbage of a token's opening (a Widevine token read 1.5
  // µs instead of 26 in a loop on the loaded development machine).
  let claims: TokenClaims;
  if (clearKey) {
    const policy: ClearKeyPolicy = { drm: 'ck', extensions: [] };
    claims = Object.assign(common, { drm: 'ck' as const, kid: kid!, iv: null, policy });
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
    claims = Object.assign(common, { drm: 'fp' as const, iv: iv!, policy });
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
    claims = Object.assign(common, { drm: 'wv' as const, iv: null, policy });
  }
  if (r.at !== end) throw new CorruptClaims('trailing bytes');
  return claims;
}

function readKeyList(
  r: Reader,
  first: { kid: Buffer; contentKey: Buffer; iv: Buffer | null },
  widevine: boolean,
): TokenKey[] {
  const count = r.byte() + 1;
  if (count > MAX_TOKEN_KEYS) throw new CorruptClaims('too many keys');
  const keys = new Array<TokenKey>(count);
  const kids = new Set<string>();
  for (let i = 0; i < count; i++) {
    const kid = i === 0 ? first.kid : r.bytes(ID_BYTES);
    const contentKey = i === 0 ? first.contentKey : r.bytes(ID_BYTES);
    const kidHex = kid.toString('hex');
    if (kids.has(kidHex)) throw new CorruptClaims('duplicate kid in key list');
    kids.add(kidHex);
    if (widevine) {
      const levels = r.byte();
      const securityLevel = levels & 0x07;
      const hdcpOutputControl = levels >> 3;
      if (securityLevel < 1 || securityLevel > 5 || hdcpOutputControl > MAX_KEY_HDCP) {
        throw new CorruptClaims('bad key levels');
      }
      const trackCode = r.byte();
      if (trackCode > TRACK_TYPES.length) throw new CorruptClaims('bad key track');
      keys[i] = {
        kid,
        contentKey,
        track: trackCode === 0 ? null : TRACK_TYPES[trackCode - 1],
        securityLevel: securityLevel as WidevinePolicy['securityLevel'],
        hdcpOutputControl: hdcpOutputControl as HdcpLevel,
        iv: null,
      };
    } else {
      const iv = i === 0 ? first.iv! : r.bytes(ID_BYTES);
      keys[i] = { kid, contentKey, track: null, securityLevel: null, hdcpOutputControl: null, iv };
    }
  }
  return keys;
}

/** Sets each key's cap (a uvarint of pixels, 0 = none) on `keys`; at least one must be capped (canonical). */
function readResolutionCaps(r: Reader, keys: TokenKey[]): void {
  let capped = false;
  for (let i = 0; i < keys.length; i++) {
    const pixels = r.uvarint();
    if (pixels > MAX_RESOLUTION_PIXELS) throw new CorruptClaims('resolution cap out of range');
    if (pixels === 0) continue;
    // Only capped keys get the field: an uncapped key reads as it did before caps existed.
    keys[i] = { ...keys[i], maxResolutionPixels: pixels };
    capped = true;
  }
  if (!capped) throw new CorruptClaims('resolution caps flag without a cap');
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
