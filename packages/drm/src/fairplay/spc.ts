import { constants, privateDecrypt, timingSafeEqual, type KeyObject } from 'node:crypto';
import { aesCbc, aesEcb } from '@openplay/cipher';
import { REQUIRED_SPC_TAGS, SPC_TAG } from './constants';
import { malformed, unauthenticated } from './errors';
import { parseTllvsIndexed, tagAt, type Tllv, type TllvIndex } from './tllv';

/** SPC container version: 1 = 1024-bit application certificate (OAEP-SHA1), 2 = 2048-bit (OAEP-SHA-256). */
export type SpcVersion = 1 | 2;

export interface SpcContainer {
  readonly version: SpcVersion;
  /** AES-CBC IV of the payload (16 bytes). */
  readonly iv: Buffer;
  /** [SPCK]: the RSA-OAEP-wrapped payload key (128 or 256 bytes). */
  readonly wrappedKey: Buffer;
  /** SHA-1 of the application certificate's DER (20 bytes): selects the credential set. */
  readonly certificateHash: Buffer;
  /** AES-128-CBC payload, a multiple of 16 bytes. */
  readonly encryptedPayload: Buffer;
}

const LAYOUT: Readonly<Record<SpcVersion, { wrappedKeySize: number; headerSize: number; oaepHash: string }>> = {
  1: { wrappedKeySize: 128, headerSize: 176, oaepHash: 'sha1' },
  2: { wrappedKeySize: 256, headerSize: 304, oaepHash: 'sha256' },
};

/**
 * Reads the SPC container (version, reserved, IV, RSA-wrapped SPCK, certificate hash, payload length, payload;
 * v2 only widens the wrapped key to 256 bytes). Trailing bytes after the payload are
 * ignored, as Apple's SDK 26 does. Throws ExpressPlayError(-6004) on anything malformed.
 */
export function parseSpcContainer(spc: Buffer): SpcContainer {
  if (!Buffer.isBuffer(spc)) throw malformed('SPC must be binary');
  if (spc.length < 4) throw malformed(`SPC truncated: ${spc.length} bytes`);
  const version = spc.readUInt32BE(0);
  if (version !== 1 && version !== 2) {
    const hint =
      version === 3
        ? ' (SPC v3 needs Apple libfpscrypto and is not supported)'
        : spc[0] === 0x30 && spc[1] === 0x82
          ? ' (this looks like a DER certificate, not an SPC)'
          : '';
    throw malformed(`unsupported SPC version 0x${version.toString(16).padStart(8, '0')}${hint}`);
  }
  const { wrappedKeySize, headerSize } = LAYOUT[version];
  if (spc.length < headerSize) {
    throw malformed(`SPC truncated: ${spc.length} bytes, a version ${version} header needs ${headerSize}`);
  }
  const hashAt = 24 + wrappedKeySize;
  const payloadLength = spc.readUInt32BE(hashAt + 20);
  if (payloadLength === 0 || payloadLength % 16 !== 0) {
    throw malformed(`SPC payload length ${payloadLength} is not a positive multiple of 16`);
  }
  if (payloadLength > spc.length - headerSize) {
    throw malformed(`SPC payload length ${payloadLength} overruns the ${spc.length}-byte SPC`);
  }
  return {
    version,
    iv: spc.subarray(8, 24),
    wrappedKey: spc.subarray(24, hashAt),
    certificateHash: spc.subarray(hashAt, hashAt + 20),
    encryptedPayload: spc.subarray(headerSize, headerSize + payloadLength),
  };
}

/** SPCK = RSA-OAEP-decrypt([SPCK]); -4001 when the key does not open it (wrong credentials or a forged SPC). */
export function unwrapSpcKey(container: SpcContainer, privateKey: KeyObject): Buffer {
  let spck: Buffer;
  try {
    spck = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: LAYOUT[container.version].oaepHash },
      container.wrappedKey,
    );
  } catch {
    throw unauthenticated('the SPC key does not decrypt with the credential set of its certificate hash');
  }
  if (spck.length !== 16) throw unauthenticated(`the SPC key unwraps to ${spck.length} bytes, not 16`);
  return spck;
}

/** One-shot AES-128 (CBC or ECB) without padding; `data` must be whole blocks (a RangeError otherwise). */
export function aes128(
  mode: 'cbc' | 'ecb',
  direction: 'encrypt' | 'decrypt',
  key: Buffer,
  iv: Buffer | null,
  data: Buffer,
): Buffer {
  if (key.length !== 16) throw new RangeError('AES-128 needs a 16-byte key');
  return mode === 'ecb' ? aesEcb(direction, key, data) : aesCbc(direction, key, iv ?? Buffer.alloc(0), data);
}

/** Decrypts the SPC payload (AES-128-CBC with SPCK, no padding). */
export function decryptSpcPayload(container: SpcContainer, spck: Buffer): Buffer {
  return aes128('cbc', 'decrypt', spck, container.iv, container.encryptedPayload);
}

export interface MediaPlaybackState {
  /** SPC creation date, Unix seconds. */
  readonly creationDate: number;
  /** Raw u32 state; see PLAYBACK_STATE. */
  readonly state: number;
  readonly sessionId: bigint;
}

export interface OfflineSync {
  readonly version: number;
  /** v1: the content ID; v2: the title ID (16 bytes). */
  readonly contentId?: Buffer;
  readonly titleId?: Buffer;
  readonly serverChallenge?: bigint;
  readonly flags?: bigint;
  readonly durationToExpiry?: number;
  readonly recordsInvalidated?: number;
  readonly invalidatedContentIds?: readonly Buffer[];
}

export interface DeviceInfo {
  /** u64 as 16 hex digits; see DEVICE_TYPE. */
  readonly deviceType: string;
  /** u32: 00 ‖ major ‖ minor ‖ extra. */
  readonly osVersion: number;
}

export interface DeviceIdentity {
  readonly fpdiVersion: number;
  readonly deviceClass: number;
  readonly vendorHash: string;
  readonly productHash: string;
  readonly reeVersion: number;
  readonly teeVersion: number;
  readonly osVersion: number;
}

/** Everything the KSM reads from a decrypted SPC payload. */
export interface SpcPayload {
  /** All TLLVs in SPC order, unknown ones included. */
  readonly tllvs: readonly Tllv[];
  readonly byTag: TllvIndex;
  readonly sessionKeyR1: Buffer;
  readonly sessionKeyR1Integrity: Buffer;
  readonly antiReplaySeed: Buffer;
  readonly r2: Buffer;
  readonly assetId: Buffer;
  readonly transactionId: Buffer;
  readonly protocolVersionUsed: number;
  readonly protocolVersionsSupported: readonly number[];
  /** Tags the client wants echoed, in request order. */
  readonly returnRequest: readonly string[];
  readonly streamingIndicator?: string;
  readonly playbackState?: MediaPlaybackState;
  /** Low u64 of the capabilities TLLV (see CAPABILITY). */
  readonly capabilities?: bigint;
  readonly offlineSync?: OfflineSync;
  readonly deviceInfo?: DeviceInfo;
  readonly deviceIdentity?: DeviceIdentity;
  readonly supportedKeyFormats?: readonly string[];
  /** u64 as 16 hex digits; see SECURITY_LEVEL. */
  readonly securityLevel?: string;
  readonly kdlVersion?: number;
}

function exact(name: string, tllv: Tllv, size: number): Buffer {
  if (tllv.value.length !== size) {
    throw malformed(`${name} TLLV value is ${tllv.value.length} bytes, expected ${size}`);
  }
  return tllv.value;
}

function parseOfflineSync(value: Buffer): OfflineSync {
  if (value.length < 8) throw malformed(`offline sync TLLV value is ${value.length} bytes, expected at least 8`);
  const version = value.readUInt32BE(0);
  if (version === 1) {
    if (value.length < 28) throw malformed(`offline sync v1 TLLV value is ${value.length} bytes, expected 28`);
    return { version, contentId: value.subarray(8, 24), durationToExpiry: value.readUInt32BE(24) };
  }
  if (version === 2) {
    if (value.length < 48) throw malformed(`offline sync v2 TLLV value is ${value.length} bytes, expected at least 48`);
    const recordsInvalidated = value.readUInt32BE(44);
    const available = Math.floor((value.length - 48) / 16);
    const invalidatedContentIds: Buffer[] = [];
    for (let i = 0; i < Math.min(recordsInvalidated, available); i++) {
      invalidatedContentIds.push(value.subarray(48 + 16 * i, 64 + 16 * i));
    }
    return {
      version,
      serverChallenge: value.readBigUInt64BE(8),
      flags: value.readBigUInt64BE(16),
      titleId: value.subarray(24, 40),
      durationToExpiry: value.readUInt32BE(40),
      recordsInvalidated,
      invalidatedContentIds,
    };
  }
  return { version }; // version 0: the client has nothing to report
}

/**
 * Parses and validates a decrypted SPC payload: TLLV framing (see parseTllvs), the required tags, the
 * sizes of the values the KSM uses, and that every tag of the return request is present.
 * Throws ExpressPlayError(-6004). Facts-only TLLVs (device identity, key formats, security level report,
 * KDL version) are read when well-formed and otherwise left out.
 */
export function parseSpcPayload(payload: Buffer): SpcPayload {
  const { tllvs, byTag } = parseTllvsIndexed(payload);
  for (const [name, tag] of REQUIRED_SPC_TAGS) {
    if (!byTag.has(tag)) throw malformed(`SPC lacks the required ${name} TLLV (${tag})`);
  }
  const get = (tag: string) => byTag.get(tag) as Tllv;

  const assetId = get(SPC_TAG.assetId).value;
  if (assetId.length < 2 || assetId.length > 200) {
    throw malformed(`asset ID TLLV value is ${assetId.length} bytes, expected 2 to 200`);
  }
  const supported = get(SPC_TAG.protocolVersionsSupported).value;
  if (supported.length === 0 || supported.length % 4 !== 0) {
    throw malformed(`protocol versions supported TLLV value is ${supported.length} bytes, not a multiple of 4`);
  }
  const protocolVersionsSupported: number[] = [];
  for (let i = 0; i < supported.length; i += 4) protocolVersionsSupported.push(supported.readUInt32BE(i));
  const request = get(SPC_TAG.returnRequest).value;
  if (request.length % 8 !== 0) {
    throw malformed(`return request TLLV value is ${request.length} bytes, not a multiple of 8`);
  }
  const returnRequest: string[] = [];
  for (let i = 0; i < request.length; i += 8) {
    const tag = tagAt(request, i);
    if (!byTag.has(tag)) throw malformed(`the return request asks for TLLV ${tag}, which the SPC lacks`);
    returnRequest.push(tag);
  }

  const result: { -readonly [K in keyof SpcPayload]: SpcPayload[K] } = {
    tllvs,
    byTag,
    sessionKeyR1: exact('[SK..R1]', get(SPC_TAG.sessionKeyR1), 112),
    sessionKeyR1Integrity: exact('[SK..R1] integrity', get(SPC_TAG.sessionKeyR1Integrity), 16),
    antiReplaySeed: exact('anti-replay seed', get(SPC_TAG.antiReplaySeed), 16),
    r2: exact('R2', get(SPC_TAG.r2), 21),
    assetId,
    transactionId: exact('transaction ID', get(SPC_TAG.transactionId), 8),
    protocolVersionUsed: exact('protocol version used', get(SPC_TAG.protocolVersionUsed), 4).readUInt32BE(0),
    protocolVersionsSupported,
    returnRequest,
  };

  const streaming = byTag.get(SPC_TAG.streamingIndicator);
  if (streaming) result.streamingIndicator = exact('streaming indicator', streaming, 8).toString('hex');
  const playback = byTag.get(SPC_TAG.mediaPlaybackState);
  if (playback) {
    const value = exact('media playback state', playback, 16);
    result.playbackState = {
      creationDate: value.readUInt32BE(0),
      state: value.readUInt32BE(4),
      sessionId: value.readBigUInt64BE(8),
    };
  }
  const capabilities = byTag.get(SPC_TAG.capabilities);
  if (capabilities) result.capabilities = exact('capabilities', capabilities, 16).readBigUInt64BE(8);
  const sync = byTag.get(SPC_TAG.offlineSync);
  if (sync) result.offlineSync = parseOfflineSync(sync.value);

  const info = byTag.get(SPC_TAG.deviceInfo)?.value;
  if (info && info.length >= 16) {
    result.deviceInfo = { deviceType: info.toString('hex', 0, 8), osVersion: info.readUInt32BE(8) };
  }
  const identity = byTag.get(SPC_TAG.deviceIdentity)?.value;
  if (identity && identity.length >= 36) {
    result.deviceIdentity = {
      fpdiVersion: identity.readUInt32BE(0),
      deviceClass: identity.readUInt32BE(4),
      vendorHash: identity.toString('hex', 8, 16),
      productHash: identity.toString('hex', 16, 24),
      reeVersion: identity.readUInt32BE(24),
      teeVersion: identity.readUInt32BE(28),
      osVersion: identity.readUInt32BE(32),
    };
  }
  const formats = byTag.get(SPC_TAG.supportedKeyFormats)?.value;
  if (formats && formats.length >= 12) {
    const count = formats.readUInt32BE(8);
    if (formats.length >= 12 + 8 * count) {
      const list: string[] = [];
      for (let i = 0; i < count; i++) list.push(formats.toString('hex', 12 + 8 * i, 20 + 8 * i));
      result.supportedKeyFormats = list;
    }
  }
  const level = byTag.get(SPC_TAG.securityLevelReport)?.value;
  if (level && level.length >= 16 && level.length !== 32 && level.readUInt32BE(0) === 1) {
    result.securityLevel = level.toString('hex', 8, 16);
    if (level.length >= 20) result.kdlVersion = level.readUInt32BE(16);
  }
  const kdl = byTag.get(SPC_TAG.kdlVersionReport)?.value;
  if (kdl && kdl.length >= 4) result.kdlVersion = kdl.readUInt32BE(0);
  return result;
}

/** The decrypted [SK..R1]: session key, anonymised device ID, R1, integrity. */
export interface SessionKeyR1 {
  readonly sk: Buffer;
  readonly hu: Buffer;
  readonly r1: Buffer;
  readonly integrity: Buffer;
}

/**
 * Opens [SK..R1] (IV 16 ‖ AES-128-CBC(DASk) of SK 16 ‖ HU 20 ‖ R1 44 ‖ integrity 16) and checks its
 * integrity field against the [SK..R1] integrity TLLV: -4001 when they differ (a corrupted or forged SPC,
 * or the wrong DASk).
 */
export function openSessionKeyR1(value: Buffer, expectedIntegrity: Buffer, dask: Buffer): SessionKeyR1 {
  return checkSessionKeyR1(
    aes128('cbc', 'decrypt', dask, value.subarray(0, 16), value.subarray(16, 112)),
    expectedIntegrity,
  );
}

function checkSessionKeyR1(plain: Buffer, expectedIntegrity: Buffer): SessionKeyR1 {
  const integrity = plain.subarray(80, 96);
  if (expectedIntegrity.length !== 16 || !timingSafeEqual(integrity, expectedIntegrity)) {
    throw unauthenticated('SPC integrity check failed: [SK..R1] does not match its integrity TLLV');
  }
  return { sk: plain.subarray(0, 16), hu: plain.subarray(16, 36), r1: plain.subarray(36, 80), integrity };
}
