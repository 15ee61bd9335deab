/**
 * FairPlay Streaming constants: TLLV tags, key types, HDCP values, playback states.
 * Tags are lower-case 16-digit hex strings (the TLLV's 8 tag bytes), which is how the parser keys them.
 * Sources: Apple's FPS Server SDK (C reference 4.x `SKDServer.h` and SDK 26).
 */

export const SPC_TAG = {
  sessionKeyR1: '3d1a10b8bffac2ec',
  sessionKeyR1Integrity: 'b349d4809e910687',
  antiReplaySeed: '89c90f12204106b2',
  r2: '71b5595ac1521133',
  returnRequest: '19f9d4e5ab7609cb',
  assetId: '1bf7f53f5d5d5a1f',
  transactionId: '47aa7ad3440577de',
  protocolVersionsSupported: '67b8fb79ecce1a13',
  protocolVersionUsed: '5d81bcbcc7f61703',
  streamingIndicator: 'abb0256a31843974',
  mediaPlaybackState: 'eb8efdf2b25ab3a0',
  capabilities: '9c02af3253c07fb2',
  offlineSync: '77966de1dc1083ad',
  deviceInfo: 'd43fc6abc596aae7',
  deviceIdentity: '94c17cd676c69b59',
  supportedKeyFormats: '8d8e84fa6cc35eb7',
  securityLevelReport: 'b18ee16ea50f6c02',
  kdlVersionReport: '70eca6573388e329',
} as const;

/** Tags every SPC must carry (Apple C `FLAG_SPC_REQUIRED_TAGS_V1`, SDK 26 `validateTLLVs`). */
export const REQUIRED_SPC_TAGS: ReadonlyArray<readonly [name: string, tag: string]> = [
  ['[SK..R1]', SPC_TAG.sessionKeyR1],
  ['[SK..R1] integrity', SPC_TAG.sessionKeyR1Integrity],
  ['anti-replay seed', SPC_TAG.antiReplaySeed],
  ['R2', SPC_TAG.r2],
  ['asset ID', SPC_TAG.assetId],
  ['transaction ID', SPC_TAG.transactionId],
  ['protocol version used', SPC_TAG.protocolVersionUsed],
  ['protocol versions supported', SPC_TAG.protocolVersionsSupported],
  ['return request', SPC_TAG.returnRequest],
];

export const CKC_TAG = {
  encryptedContentKey: '58b38165af0e3d5a',
  r1: 'ea74c4645d5efee9',
  keyDuration: '47acf6a418cd091a',
  offlineKey: '6375d9727060218c',
  hdcp: '2e52f1530d8ddb4a',
} as const;

/** Key types of the content-key-duration TLLV (u32). */
export const KEY_TYPE = {
  lease: 0x1a4bde7e,
  rental: 0x3dfe45a0,
  leaseAndRental: 0x27b59bde,
  persistence: 0x3df2d9fb,
  persistenceAndDuration: 0x18f06048,
} as const;

/** The reserved field of the key-duration TLLV per Apple's specification (SDK 26). Apple's 4.x sample CKCs carry 0. */
export const KEY_DURATION_RESERVED = 0x86d34a3a;

export type HdcpRequirement = 'none' | 'type0' | 'type1';

export const HDCP_VALUE: Readonly<Record<HdcpRequirement, string>> = {
  none: 'ef72894ca7895b78',
  type0: '40791ac78bd5c571',
  type1: '285a0863bba8e1d3',
};

export type PlaybackState = 'first-playback' | 'playing' | 'playing-key-not-required' | 'stopped';

export const PLAYBACK_STATE: Readonly<Record<number, PlaybackState>> = {
  0xf4dee5a2: 'first-playback',
  0x4f834330: 'playing',
  0xa5d6739e: 'playing-key-not-required',
  0x5991bf20: 'stopped',
};

export type AppleDeviceType = 'mac' | 'appletv' | 'ios' | 'watch';

export const DEVICE_TYPE: Readonly<Record<string, AppleDeviceType>> = {
  '358c41b1ec78f599': 'mac',
  c1500767c86c1fae: 'appletv',
  '8551fd5e31f479b3': 'ios',
  '5da86ac0c57155dc': 'watch',
};

/** Streaming indicator values; any other value means playback on the requesting device. */
export const STREAMING_INDICATOR = {
  airplay: 'abb0256a31843974',
  avAdapter: '5f9c8132b59f2fde',
} as const;

export const SECURITY_LEVEL: Readonly<Record<string, 'audio' | 'baseline' | 'main'>> = {
  '17d99d574eed567d': 'audio',
  '32f0004966a5c4f8': 'baseline',
  '4e7fd92421d588b4': 'main',
};

/** Capability flags: low u64 of the 16-byte capabilities TLLV. */
export const CAPABILITY = {
  hdcpType1: 1n << 0n,
  offlineKey: 1n << 1n,
  checkIn: 1n << 2n,
  offlineKeyV2: 1n << 3n,
  securityLevelBaseline: 1n << 4n,
  securityLevelMain: 1n << 5n,
} as const;

/** FPS protocol versions this server speaks (Apple C reference: {1}). */
export const SERVER_PROTOCOL_VERSIONS: readonly number[] = [1];

/** The fixed DASk of Apple's development test vectors (not usable with any real device). */
export const APPLE_DEVELOPMENT_DASK_HEX = 'd87ce7a26081de2e8eb8acef3a6dc179';
