import { createHash } from 'node:crypto';
import { ExpressPlayError, type FairPlayPolicy } from '@openplay/core';
import { encodeCkc, deriveAntiReplayKey } from './ckc';
import {
  APPLE_DEVELOPMENT_DASK_HEX,
  CAPABILITY,
  CKC_TAG,
  DEVICE_TYPE,
  HDCP_VALUE,
  KEY_DURATION_RESERVED,
  KEY_TYPE,
  PLAYBACK_STATE,
  SECURITY_LEVEL,
  SERVER_PROTOCOL_VERSIONS,
  STREAMING_INDICATOR,
  type AppleDeviceType,
  type HdcpRequirement,
  type PlaybackState,
} from './constants';
import { pooledRandomBytes } from '../random';
import {
  prepareFairPlayCredentials,
  type FairPlayCredentialSet,
  type PreparedFairPlayCredentials,
} from './credentials';
import { malformed, unauthenticated } from './errors';
import { keyRulesFromPolicy, type FairPlayKeyRules } from './key-rules';
import {
  aes128,
  decryptSpcPayload,
  openSessionKeyR1,
  parseSpcContainer,
  parseSpcPayload,
  unwrapSpcKey,
  type SessionKeyR1,
  type SpcContainer,
  type SpcPayload,
  type SpcVersion,
} from './spc';
import { TLLV_HEADER_SIZE, padTo16, writeTllvHeader } from './tllv';

/** A key chosen for an SPC's asset id (see FairPlayGrant.keyForAssetId). */
export interface FairPlayAssetKey {
  /** 16-byte content key. */
  readonly contentKey: Buffer;
  /** 16-byte content IV. */
  readonly iv: Buffer;
}

/** What the rights server hands the KSM: the token's key, IV and policy. */
export interface FairPlayGrant {
  /**
   * A multi-key token: picks the key for the SPC's asset id once the SPC is opened and authenticated, in place of
   * `contentKey` and `iv`. Throws (an ExpressPlayError, passed on as is) when the asset id names no key of the token.
   */
  readonly keyForAssetId?: (assetId: Buffer) => FairPlayAssetKey;
  /** 16-byte content key. */
  readonly contentKey: Buffer;
  /** 16-byte content IV. */
  readonly iv: Buffer;
  readonly policy: FairPlayPolicy;
  /** Overrides the rules derived from `policy` (see keyRulesFromPolicy): lease and persistence. */
  readonly keyRules?: FairPlayKeyRules;
  /** HDCP TLLV to send; absent = the KSM option, else no HDCP TLLV (the client then enforces type 0). */
  readonly hdcp?: HdcpRequirement;
  /** Extra CKC TLLVs, placed after R1 (as Apple's sample server places tag e6d0a3e72c92a4ef). */
  readonly extraTllvs?: ReadonlyArray<{ readonly tag: string; readonly value: Buffer }>;
}

/** What the audit row may record about a CKC. No key material. */
export interface CkcFacts {
  readonly spcVersion: SpcVersion;
  /** SHA-1 of the application certificate the SPC was made for (hex). */
  readonly certificateHash: string;
  readonly protocolVersion: number;
  /** The SPC's asset ID (hex; it is raw bytes) and, when printable ASCII, as text. */
  readonly assetId: string;
  readonly assetIdText?: string;
  readonly transactionId: string;
  /** HU: FairPlay's anonymised, per-app device ID (hex); the AV adapter's ID when streaming to one. */
  readonly deviceId: string;
  readonly deviceType?: AppleDeviceType | `unknown:${string}`;
  /** "major.minor.extra" from the device info TLLV. */
  readonly osVersion?: string;
  readonly deviceClass?: number;
  /** From the streaming indicator: true when the content goes to AirPlay or an AV adapter. */
  readonly streaming?: boolean;
  readonly streamingTarget?: 'airplay' | 'av-adapter' | 'device';
  readonly playbackState?: PlaybackState;
  /** SPC creation date from the media playback state TLLV (Unix seconds). */
  readonly playbackCreatedAt?: number;
  readonly capabilities?: readonly string[];
  readonly securityLevel?: string;
  readonly kdlVersion?: number;
  readonly offlineSync?: {
    readonly version: number;
    readonly durationToExpiry?: number;
    readonly recordsInvalidated?: number;
  };
  /** HDCP the client must enforce ("type0" when no HDCP TLLV is sent). */
  readonly hdcp: HdcpRequirement;
  readonly keyRules: FairPlayKeyRules['type'];
  /** Which TLLV carried the rules; `none` when unlimited or when the SPC had no playback state. */
  readonly durationTllv: 'none' | 'key-duration' | 'offline-key';
  readonly keyType?: keyof typeof KEY_TYPE;
  readonly leaseSeconds?: number;
  readonly rentalSeconds?: number;
  readonly storageSeconds?: number;
  readonly playbackSeconds?: number;
}

export interface CkcResult {
  readonly ckc: Buffer;
  readonly facts: CkcFacts;
}

/** The KSM port the rights server calls. Implementations: software (below), or HSM/vendor-backed. */
export interface FairPlayKsm {
  /**
   * Builds the CKC answering `spc` with the grant's key. Rejects with ExpressPlayError: -6004 (malformed
   * SPC, no CKC possible, e.g. playback stopped) or -4001 (the SPC cannot be authenticated).
   */
  createCkc(spc: Buffer, grant: FairPlayGrant): Promise<CkcResult>;
}

/** The secrets and fields of an opened SPC. Holds key material: never log it. */
export interface OpenedSpc {
  readonly container: SpcContainer;
  readonly credentials: PreparedFairPlayCredentials;
  readonly spck: Buffer;
  readonly payload: SpcPayload;
  readonly dask: Buffer;
  readonly session: SessionKeyR1;
  readonly antiReplayKey: Buffer;
}

export interface SoftwareFairPlayKsm extends FairPlayKsm {
  /** Same as createCkc, synchronously (throws instead of rejecting). */
  createCkcSync(spc: Buffer, grant: FairPlayGrant): CkcResult;
  /** Decrypts and authenticates an SPC without building a CKC (tests, diagnostics). */
  openSpc(spc: Buffer): OpenedSpc;
  /** SHA-1 (hex) of each configured application certificate. */
  readonly certificateHashes: readonly string[];
}

/** Fills CKC randomness. Called once per CKC: bytes 0–15 are the CKC IV, the rest fill paddings and random value fields in TLLV order. */
export type RandomSource = (size: number) => Buffer;

export interface SoftwareFairPlayKsmOptions {
  /** Randomness for the CKC IV and paddings (tests inject a fixed one). Default: node:crypto. */
  readonly random?: RandomSource;
  /** Reserved field of the key duration TLLV. Default 0x86d34a3a (Apple's spec); Apple's 4.x samples carry 0. */
  readonly keyDurationReserved?: number;
  /** HDCP TLLV sent when the grant names none. Default: none sent (client enforces type 0). */
  readonly hdcp?: HdcpRequirement;
  /**
   * A limited key for an SPC without media playback state: Apple's reference omits the duration TLLV
   * ("omit", the default); "reject" refuses the CKC with -6004 instead.
   */
  readonly missingPlaybackState?: 'omit' | 'reject';
}

/** node:crypto randomness, drawn from a pool refilled 8 KiB at a time (one CSPRNG call per ~80 CKCs). */
const defaultRandom: RandomSource = pooledRandomBytes;

const CAPABILITY_NAMES: ReadonlyArray<readonly [string, bigint]> = [
  ['hdcp-type1', CAPABILITY.hdcpType1],
  ['offline-key', CAPABILITY.offlineKey],
  ['check-in', CAPABILITY.checkIn],
  ['offline-key-v2', CAPABILITY.offlineKeyV2],
  ['security-level-baseline', CAPABILITY.securityLevelBaseline],
  ['security-level-main', CAPABILITY.securityLevelMain],
];

function seconds(name: string, value: number | undefined): number {
  const v = value ?? 0;
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw malformed(`grant: ${name} must be 0 to 4294967295 seconds`);
  return v;
}

function hasCapability(payload: SpcPayload, flag: bigint): boolean {
  return payload.capabilities !== undefined && (payload.capabilities & flag) !== 0n;
}

/** One CKC TLLV before encoding: value, then `randomTail` random bytes inside the value, then `padding` random bytes. */
interface PlannedTllv {
  readonly tag: string;
  readonly value: Buffer;
  readonly randomTail: number;
  readonly padding: number;
}

/** Plans the duration TLLV (key duration or offline key) and the facts that describe it. */
function planDuration(
  rules: FairPlayKeyRules,
  payload: SpcPayload,
  reserved: number,
  missingPlaybackState: 'omit' | 'reject',
): { tllv?: PlannedTllv; facts: Partial<CkcFacts> & Pick<CkcFacts, 'durationTllv'> } {
  if (rules.type === 'unlimited') return { facts: { durationTllv: 'none' } };
  if (!payload.playbackState) {
    if (missingPlaybackState === 'reject') {
      throw malformed('the SPC has no media playback state, so the key duration cannot be enforced');
    }
    return { facts: { durationTllv: 'none' } };
  }
  const keyDuration = (type: keyof typeof KEY_TYPE, lease: number, rental: number) => {
    const value = Buffer.allocUnsafe(16);
    value.writeUInt32BE(lease, 0);
    value.writeUInt32BE(rental, 4);
    value.writeUInt32BE(KEY_TYPE[type], 8);
    value.writeUInt32BE(reserved >>> 0, 12);
    return {
      tllv: { tag: CKC_TAG.keyDuration, value, randomTail: 0, padding: 16 },
      facts: { durationTllv: 'key-duration' as const, keyType: type, leaseSeconds: lease, rentalSeconds: rental },
    };
  };
  switch (rules.type) {
    case 'lease':
      return keyDuration('lease', seconds('leaseSeconds', rules.leaseSeconds), 0);
    case 'rental':
      return keyDuration('rental', 0, seconds('rentalSeconds', rules.rentalSeconds));
    case 'lease-and-rental':
      return keyDuration(
        'leaseAndRental',
        seconds('leaseSeconds', rules.leaseSeconds),
        seconds('rentalSeconds', rules.rentalSeconds),
      );
    case 'persistence': {
      const storage = seconds('storageSeconds', rules.storageSeconds);
      const playback = seconds('playbackSeconds', rules.playbackSeconds);
      const offlineCapable =
        hasCapability(payload, CAPABILITY.offlineKey | CAPABILITY.offlineKeyV2) || payload.offlineSync !== undefined;
      if (!offlineCapable) {
        return storage > 0 ? keyDuration('persistenceAndDuration', 0, storage) : keyDuration('persistence', 0, 0);
      }
      const v2 = rules.titleId !== undefined;
      if (v2 && !hasCapability(payload, CAPABILITY.offlineKeyV2)) {
        throw malformed('a title ID needs the offline key TLLV v2, which the client does not support');
      }
      const contentId = rules.contentId ?? createHash('sha256').update(payload.assetId).digest().subarray(0, 16);
      if (contentId.length !== 16 || (v2 && rules.titleId?.length !== 16)) {
        throw malformed('grant: offline content ID and title ID must be 16 bytes');
      }
      const value = Buffer.alloc(v2 ? 48 : 32);
      value.writeUInt32BE(v2 ? 2 : 1, 0);
      contentId.copy(value, 8);
      value.writeUInt32BE(storage, 24);
      value.writeUInt32BE(playback, 28);
      if (v2) rules.titleId.copy(value, 32);
      return {
        tllv: { tag: CKC_TAG.offlineKey, value, randomTail: 0, padding: 16 },
        facts: { durationTllv: 'offline-key', storageSeconds: storage, playbackSeconds: playback },
      };
    }
  }
}

/** The facts of a CKC: the SPC's, then HDCP, key rules and the duration TLLV's (one object, keys in that order). */
function describeSpc(
  opened: OpenedSpc,
  hdcp: HdcpRequirement,
  keyRules: FairPlayKeyRules['type'],
  durationFacts: Partial<CkcFacts> & Pick<CkcFacts, 'durationTllv'>,
): CkcFacts {
  const { payload, container, session } = opened;
  const facts: { -readonly [K in keyof CkcFacts]?: CkcFacts[K] } = {
    spcVersion: container.version,
    certificateHash: opened.credentials.certificateHashHex, // the hex the set was looked up by
    protocolVersion: payload.protocolVersionUsed,
    assetId: payload.assetId.toString('hex'),
    transactionId: payload.transactionId.toString('hex'),
    deviceId: session.hu.toString('hex'),
  };
  if (payload.assetId.every((byte) => byte >= 0x20 && byte < 0x7f))
    facts.assetIdText = payload.assetId.toString('latin1');
  if (payload.deviceInfo) {
    const type = payload.deviceInfo.deviceType;
    facts.deviceType = DEVICE_TYPE[type] ?? `unknown:${type}`;
    const os = payload.deviceInfo.osVersion;
    facts.osVersion = `${(os >>> 16) & 0xff}.${(os >>> 8) & 0xff}.${os & 0xff}`;
  }
  if (payload.deviceIdentity) facts.deviceClass = payload.deviceIdentity.deviceClass;
  if (payload.streamingIndicator !== undefined) {
    const target =
      payload.streamingIndicator === STREAMING_INDICATOR.airplay
        ? 'airplay'
        : payload.streamingIndicator === STREAMING_INDICATOR.avAdapter
          ? 'av-adapter'
          : 'device';
    facts.streamingTarget = target;
    facts.streaming = target !== 'device';
  }
  if (payload.playbackState) {
    facts.playbackState = PLAYBACK_STATE[payload.playbackState.state];
    facts.playbackCreatedAt = payload.playbackState.creationDate;
  }
  if (payload.capabilities !== undefined) {
    facts.capabilities = CAPABILITY_NAMES.filter(([, flag]) => hasCapability(payload, flag)).map(([name]) => name);
  }
  if (payload.securityLevel)
    facts.securityLevel = SECURITY_LEVEL[payload.securityLevel] ?? `unknown:${payload.securityLevel}`;
  if (payload.kdlVersion !== undefined) facts.kdlVersion = payload.kdlVersion;
  if (payload.offlineSync) {
    const { version, durationToExpiry, recordsInvalidated } = payload.offlineSync;
    facts.offlineSync = { version, durationToExpiry, recordsInvalidated };
  }
  facts.hdcp = hdcp;
  facts.keyRules = keyRules;
  return Object.assign(facts, durationFacts) as CkcFacts;
}

class SoftwareKsm implements SoftwareFairPlayKsm {
  readonly #byHash: ReadonlyMap<string, PreparedFairPlayCredentials>;
  readonly #random: RandomSource;
  readonly #reserved: number;
  readonly #hdcp?: HdcpRequirement;
  readonly #missingPlaybackState: 'omit' | 'reject';
  readonly certificateHashes: readonly string[];

  constructor(credentials: readonly FairPlayCredentialSet[], options: SoftwareFairPlayKsmOptions) {
    if (credentials.length === 0) throw new Error('FairPlay KSM: no credential set configured');
    const byHash = new Map<string, PreparedFairPlayCredentials>();
    credentials.forEach((set, index) => {
      const prepared = prepareFairPlayCredentials(set, index);
      if (byHash.has(prepared.certificateHashHex)) {
        throw new Error(`FairPlay KSM: credential set ${index} repeats certificate ${prepared.certificateHashHex}`);
      }
      byHash.set(prepared.certificateHashHex, prepared);
    });
    if (options.hdcp !== undefined && !(options.hdcp in HDCP_VALUE))
      throw new Error(`FairPlay KSM: unknown hdcp option`);
    this.#byHash = byHash;
    this.#random = options.random ?? defaultRandom;
    this.#reserved = options.keyDurationReserved ?? KEY_DURATION_RESERVED;
    this.#hdcp = options.hdcp;
    this.#missingPlaybackState = options.missingPlaybackState ?? 'omit';
    this.certificateHashes = [...byHash.keys()];
  }

  openSpc(spc: Buffer): OpenedSpc {
    const container = parseSpcContainer(spc);
    const hashHex = container.certificateHash.toString('hex');
    const credentials = this.#byHash.get(hashHex);
    if (!credentials) throw unauthenticated(`no FairPlay credentials for certificate hash ${hashHex}`);
    if (credentials.spcVersion !== container.version) {
      throw unauthenticated(
        `SPC version ${container.version} does not fit the RSA-${credentials.spcVersion === 1 ? 1024 : 2048} credentials of its certificate`,
      );
    }
    const spck = unwrapSpcKey(container, credentials.privateKey);
    const payload = parseSpcPayload(decryptSpcPayload(container, spck));
    let dask: Buffer;
    try {
      dask = credentials.daskProvider.deriveDask({
        r2: payload.r2,
        certificateHash: container.certificateHash,
        spcVersion: container.version,
      });
    } catch (error) {
      if (error instanceof ExpressPlayError) throw error;
      throw malformed('the DASk provider failed');
    }
    if (!Buffer.isBuffer(dask) || dask.length !== 16) throw malformed('the DASk provider returned no 16-byte key');
    const session = openSessionKeyR1(payload.sessionKeyR1, payload.sessionKeyR1Integrity, dask);
    const antiReplayKey = deriveAntiReplayKey(session.r1, payload.antiReplaySeed);
    return { container, credentials, spck, payload, dask, session, antiReplayKey };
  }

  createCkcSync(spc: Buffer, grant: FairPlayGrant): CkcResult {
    if (!grant.keyForAssetId) checkAssetKey(grant);
    const hdcp = grant.hdcp ?? this.#hdcp;
    if (hdcp !== undefined && !(hdcp in HDCP_VALUE)) throw malformed('grant: unknown HDCP requirement');
    for (const extra of grant.extraTllvs ?? []) {
      if (!/^[0-9a-f]{16}$/.test(extra.tag)) throw malformed('grant: extra TLLV tags must be 16 lower-case hex digits');
    }

    const opened = this.openSpc(spc);
    const { payload, session } = opened;
    // Only an authentic SPC's asset id chooses a key.
    const key = grant.keyForAssetId ? checkAssetKey(grant.keyForAssetId(payload.assetId)) : grant;
    const common = Math.max(...SERVER_PROTOCOL_VERSIONS.filter((v) => payload.protocolVersionsSupported.includes(v)));
    if (!Number.isFinite(common)) {
      throw malformed(
        `the client supports FPS protocol versions ${payload.protocolVersionsSupported.join(',')}, the server 1`,
      );
    }
    if (payload.protocolVersionUsed !== common) {
      throw malformed(`the SPC uses FPS protocol version ${payload.protocolVersionUsed}, expected ${common}`);
    }
    if (payload.playbackState) {
      const state = PLAYBACK_STATE[payload.playbackState.state];
      if (state === 'stopped') throw malformed('the playback session is stopped: no CKC is generated');
      if (state === undefined) {
        throw malformed(`unknown media playback state 0x${payload.playbackState.state.toString(16).padStart(8, '0')}`);
      }
    }
    if (hdcp === 'type1' && !hasCapability(payload, CAPABILITY.hdcpType1)) {
      throw malformed('HDCP type 1 is required but the client does not declare it can enforce it');
    }

    const rules = grant.keyRules ?? keyRulesFromPolicy(grant.policy);
    const duration = planDuration(rules, payload, this.#reserved, this.#missingPlaybackState);

    // Apple's order: CK, R1, [extra], return-requested TLLVs, [duration | offline key], [HDCP].
    const encryptedKey = Buffer.allocUnsafe(32);
    key.iv.copy(encryptedKey, 0);
    aes128('ecb', 'encrypt', session.sk, null, key.contentKey).copy(encryptedKey, 16);
    const planned: PlannedTllv[] = [
      { tag: CKC_TAG.encryptedContentKey, value: encryptedKey, randomTail: 0, padding: 0 },
      { tag: CKC_TAG.r1, value: session.r1, randomTail: 0, padding: 64 - session.r1.length },
    ];
    for (const extra of grant.extraTllvs ?? []) {
      planned.push({ tag: extra.tag, value: extra.value, randomTail: 0, padding: padTo16(extra.value.length) });
    }
    const echoed = payload.returnRequest.map((tag) => (payload.byTag.get(tag) as { raw: Buffer }).raw);
    const tail: PlannedTllv[] = [];
    if (duration.tllv) tail.push(duration.tllv);
    if (hdcp !== undefined) {
      const value = Buffer.alloc(16);
      value.write(HDCP_VALUE[hdcp], 0, 8, 'hex');
      tail.push({ tag: CKC_TAG.hdcp, value, randomTail: 8, padding: 16 });
    }

    let size = 0;
    let randomSize = 16;
    for (const tllv of [...planned, ...tail]) {
      size += TLLV_HEADER_SIZE + tllv.value.length + tllv.padding;
      randomSize += tllv.randomTail + tllv.padding;
    }
    for (const raw of echoed) size += raw.length;
    const random = this.#random(randomSize);
    if (!Buffer.isBuffer(random) || random.length < randomSize)
      throw malformed('the random source returned too few bytes');
    let randomAt = 16;
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    const write = (tllv: PlannedTllv) => {
      const blockLength = tllv.value.length + tllv.padding;
      at = writeTllvHeader(out, at, tllv.tag, blockLength, tllv.value.length);
      const fixed = tllv.value.length - tllv.randomTail;
      tllv.value.copy(out, at, 0, fixed);
      at += fixed;
      const randomBytes = tllv.randomTail + tllv.padding;
      random.copy(out, at, randomAt, randomAt + randomBytes);
      randomAt += randomBytes;
      at += randomBytes;
    };
    planned.forEach(write);
    for (const raw of echoed) at += raw.copy(out, at);
    tail.forEach(write);

    const ckc = encodeCkc(out, opened.antiReplayKey, random.subarray(0, 16));
    return {
      ckc,
      facts: describeSpc(opened, hdcp ?? 'type0', rules.type, duration.facts),
    };
  }

  createCkc(spc: Buffer, grant: FairPlayGrant): Promise<CkcResult> {
    // The port is asynchronous for hardware KSMs; the executor turns a throw into the rejection callers expect.
    return new Promise((resolve) => resolve(this.createCkcSync(spc, grant)));
  }

  toJSON(): string {
    return `SoftwareFairPlayKsm(${this.certificateHashes.join(',')})`;
  }
}

function checkAssetKey<K extends FairPlayAssetKey>(key: K): K {
  if (!Buffer.isBuffer(key.contentKey) || key.contentKey.length !== 16) {
    throw malformed('grant: the content key must be 16 bytes');
  }
  if (!Buffer.isBuffer(key.iv) || key.iv.length !== 16) throw malformed('grant: the IV must be 16 bytes');
  return key;
}

/**
 * The software KSM on node:crypto. Validates every credential set now (one-line Errors) and creates its
 * KeyObjects once; requests only look the set up by certificate hash.
 */
export function createSoftwareFairPlayKsm(
  credentials: readonly FairPlayCredentialSet[],
  options: SoftwareFairPlayKsmOptions = {},
): SoftwareFairPlayKsm {
  return new SoftwareKsm(credentials, options);
}

/** Apple's development DASk, for the FPS Server SDK test vectors only. */
export function appleDevelopmentDask(): Buffer {
  return Buffer.from(APPLE_DEVELOPMENT_DASK_HEX, 'hex');
}
