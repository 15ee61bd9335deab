import { parseExpirationTime } from '../expiry/expiration-time';
import { ALL_DRMS, BOTH_DRMS, checksFor, type Check } from './check';
import {
  MAX_EXTENSIONS,
  MAX_EXTENSION_PAYLOAD_BYTES,
  checkExtensionBudget,
  parseExtensionPayload,
  parseExtensionType,
  parseShortExtension,
} from './extensions';
import { resolveKeySource } from './key-source';
import {
  keysWithPolicies,
  parseKeyEntry,
  parseTrackHdcp,
  parseTrackMaxResolution,
  parseTrackSecurityLevel,
  resolveKeyEntries,
  type KeyEntry,
  type KeyEntryForm,
  type Resolution,
  type ResolvedEntry,
  type TrackSetting,
} from './multi-key';
import { MAX_KID_NAME_LENGTH, parseKid } from './parse-kid';
import {
  MAX_RESOLUTION_SIDE,
  MAX_TOKEN_KEYS,
  TRACK_TYPES,
  type Extension,
  type HdcpLevel,
  type KeySource,
  type RequestKey,
  type RightsType,
} from './types';
import { MAX_INTEGER, fail, hexBytes, integerIn, safeText } from './values';

/** What the checks collect on the way to a TokenRequest. */
export interface TokenFields {
  kid?: Buffer;
  kek?: Buffer;
  ek?: Buffer;
  contentKey?: Buffer;
  key?: KeySource;
  iv?: Buffer;
  contentId?: string;
  securityLevel?: 1 | 2 | 3 | 4 | 5;
  hdcpOutputControl?: 0 | 1 | 2;
  licenseDuration?: number;
  rentalDuration?: number;
  rightsType?: RightsType;
  persistent?: boolean;
  playbackDuration?: number;
  extensions?: Extension[];
  extensionType?: string;
  extensionPayload?: Buffer;
  expiresAt?: number;
  cookie?: string;
  useLimit?: number;
  keyEntries?: KeyEntry[];
  resolvedEntries?: ResolvedEntry[];
  trackSecurityLevels?: TrackSetting<1 | 2 | 3 | 4 | 5>[];
  trackHdcps?: TrackSetting<HdcpLevel>[];
  trackMaxResolutions?: TrackSetting<Resolution>[];
  keys?: RequestKey[];
  maxStreams?: number;
  stopOldestStream?: boolean;
  maxDevices?: number;
  deviceWindow?: number;
}

export const MAX_COOKIE_CHARS = 32;
export const MAX_CONTENT_ID_CHARS = 256;
/** The most uses a limited token may allow (`useLimit`): large enough for a household, small enough to mean a limit. */
export const MAX_USE_LIMIT = 1_000_000;
/** The most simultaneous streams a token may allow (`maxStreams`): a limit, not a count of everyone's screens. */
export const MAX_STREAMS = 100;
/** The most distinct devices a token may allow (`maxDevices`). */
export const MAX_DEVICES = 100;
/** Bounds and default of `deviceWindow`, seconds: a minute to a year, 30 days by default. */
export const MIN_DEVICE_WINDOW = 60;
export const MAX_DEVICE_WINDOW = 31_536_000;
export const DEFAULT_DEVICE_WINDOW = 2_592_000;

/**
 * Names under which clients ask for device binding (Adobe's recipe says `deviceid`, PlayReady's `deviceId`).
 * Neither DRM supports it, so any of them is refused rather than silently ignored.
 */
export const DEVICE_BINDING_PARAMS = ['deviceId', 'deviceid', 'deviceID'] as const;

/** The PlayReady output protection levels of the seed's FairPlay example: checked, then ignored. */
export const OPL_PARAMS = [
  'analogVideoOPL',
  'compressedDigitalAudioOPL',
  'compressedDigitalVideoOPL',
  'uncompressedDigitalAudioOPL',
  'uncompressedDigitalVideoOPL',
] as const;

/**
 * Parameters that ask for a restriction a Clear Key license cannot carry (a JSON Web Key Set has no security level,
 * output protection, duration, device binding or extension). On /hms/ck/token they are refused (-8002) rather than
 * ignored, so that nobody believes a Clear Key token enforces them (docs/decisions/0010-clear-key.md). Other DRMs'
 * remaining parameters (`contentId`, `iv`, `rightsType`, the OPLs …) restrict nothing and are ignored like any
 * unknown name.
 */
export const CLEAR_KEY_REFUSED_PARAMS = [
  'securityLevel',
  'hdcpOutputControl',
  'licenseDuration',
  'rentalDuration',
  'persistent',
  'playbackDuration',
  'wvExtension',
  'fpExtension',
  'extensionType',
  'extensionPayload',
  'key',
  'keyEk',
  'keyStored',
  'trackSecurityLevel',
  'trackHdcpOutputControl',
  'trackMaxResolution',
] as const;

const KEY_ENTRY_DOCS: Record<KeyEntryForm, string> = {
  key:
    'One key of a multi-key token (§12): Widevine `<kid>,<contentKey>[,<track>]`, FairPlay `<kid>,<contentKey>[,<iv>]`; ' +
    `kid as for \`kid\` (a \`^name\` without commas), track one of ${TRACK_TYPES.join(', ')}. Repeatable; ` +
    `at most ${MAX_TOKEN_KEYS} keys with \`keyEk\` and \`keyStored\`. Not with \`kid\`, \`contentKey\` or \`ek\`.`,
  keyEk:
    'One key of a multi-key token, wrapped under `kek` (RFC 3394, 48 hex digits): `<kid>,<ek>[,<track>]` ' +
    '(FairPlay `[,<iv>]`). Repeatable; needs `kek`.',
  keyStored:
    'One key of a multi-key token, from key storage under `kek`: `<kid>[,<track>]` (FairPlay `[,<iv>]`). ' +
    'Repeatable; needs `kek`; -4019 names the kid that is not stored.',
};

const RIGHTS_TYPES: readonly RightsType[] = ['BuyToOwn', 'Rental'];

const { param, ignored, repeated, cross } = checksFor<TokenFields>();

/**
 * Offline (persistent) licenses, docs/decisions/0022-offline-licenses.md: `persistent` allows them; Widevine's
 * `rentalDuration` counts only with it, FairPlay's `playbackDuration` is refused without it. Checked after `rightsType`.
 */
const PERSISTENCE_CHECKS: readonly Check<TokenFields>[] = [
  param('rentalDuration', {
    name: 'rentalDuration',
    drms: ['wv'],
    invalid: -6007,
    description:
      'Offline licenses (with `persistent=true`; ignored without it): seconds an offline license may be kept before ' +
      "playback starts (Widevine's rental_duration_seconds); absent or 0 = unlimited.",
    parse: (value) => integerIn(value, 0, MAX_INTEGER, 'rentalDuration', -6007),
  }),
  param('persistent', {
    name: 'persistent',
    drms: BOTH_DRMS,
    invalid: -11001,
    description:
      '`true` allows an offline (persistent) license: Widevine answers an OFFLINE license request with a persistable ' +
      'license (without it such a request is refused, -11002); FairPlay sends a persistable key. `false` or absent: ' +
      'streaming only.',
    parse: (value) =>
      value === 'true' ? true : value === 'false' ? false : fail(-11001, 'persistent must be true or false'),
  }),
  param('playbackDuration', {
    name: 'playbackDuration',
    drms: ['fp'],
    invalid: -11001,
    description:
      'Persistent keys (`persistent=true` only): seconds of playback from the first playback of the persisted key ' +
      '(offline key TLLV, iOS 11+ clients); absent or 0 = not enforced.',
    parse: (value) => integerIn(value, 0, MAX_INTEGER, 'playbackDuration', -11001),
  }),
  // A Widevine rentalDuration without persistent=true is ignored, as it was before (Widevine tokens had none), once
  // its syntax is checked.
  cross('persistence', ['fp'], (_context, fields) => {
    if (fields.persistent) return;
    if (fields.playbackDuration !== undefined) fail(-11001, 'playbackDuration needs persistent=true');
  }),
];

const refuse = (code: -7002 | -6008) => (): never => fail(code, 'device binding parameters are not accepted');
const DEVICE_BINDING = 'Device binding: not supported by any DRM here, so refused rather than silently ignored.';
const CLEAR_KEY_REFUSED =
  'Refused on Clear Key (any value, even empty): a Clear Key license cannot carry this restriction, so it is not silently dropped.';
const refuseForClearKey = (name: string) => (): never =>
  fail(-8002, `${name} cannot be enforced by a Clear Key license`);

/**
 * Every token-request rule after the envelope, in the order they are checked (README.md, "Check order").
 * A parameter of the other DRM is not in that DRM's rows and is ignored like any unknown name.
 */
export const TOKEN_CHECKS: readonly Check<TokenFields>[] = [
  ...DEVICE_BINDING_PARAMS.flatMap((name) => [
    ignored({ name, drms: ['wv'], invalid: -7002, description: DEVICE_BINDING, parse: refuse(-7002) }),
    ignored({ name, drms: ['fp'], invalid: -6008, description: DEVICE_BINDING, parse: refuse(-6008) }),
    ignored({ name, drms: ['ck'], invalid: -8002, description: DEVICE_BINDING, parse: refuseForClearKey(name) }),
  ]),
  ...CLEAR_KEY_REFUSED_PARAMS.map((name) =>
    ignored({ name, drms: ['ck'], invalid: -8002, description: CLEAR_KEY_REFUSED, parse: refuseForClearKey(name) }),
  ),
  ignored({
    name: 'generalFlags',
    drms: BOTH_DRMS,
    invalid: -5003,
    description: 'License flags, 4-byte hex; only `0000` is accepted.',
    parse: (value) => value === '0000' || fail(-5003, 'generalFlags must be 0000'),
  }),
  ...(['key', 'keyEk', 'keyStored'] as const).map((form) =>
    repeated('keyEntries', MAX_TOKEN_KEYS, {
      name: form,
      drms: BOTH_DRMS,
      invalid: -10001,
      alsoInvalid: [-10002, -10003, -4024],
      description: KEY_ENTRY_DOCS[form],
      parse: (value, { drm }) => parseKeyEntry(form, value, drm),
    }),
  ),
  {
    ...param('kid', {
      name: 'kid',
      drms: ALL_DRMS,
      required: ['wv', 'ck'],
      invalid: -4022,
      missing: -4018,
      // -4020: not 32 hex digits long; -4021: a name over MAX_KID_NAME_LENGTH.
      alsoInvalid: [-4020, -4021],
      description:
        `Content key ID: 32 hex digits, or \`^name\` (1–${MAX_KID_NAME_LENGTH} printable ASCII characters after \`^\`; the kid is ` +
        'the first 16 bytes of SHA-1(name)). Required for Widevine and Clear Key.',
      parse: parseKid,
    }),
    // A multi-key request names its kids in its entries (the key entries rule refuses a kid beside them).
    optionalWhen: (fields: TokenFields) => fields.keyEntries !== undefined,
  },
  param('kek', {
    name: 'kek',
    drms: ALL_DRMS,
    invalid: -4024,
    description:
      'Key-encryption key, 32 hex digits: with `ek`, unwraps the content key (AES Key Wrap, RFC 3394); with `kid` alone, ' +
      'unwraps the key held in key storage under that kid (-4019 when it is not there). FairPlay: `kid` or `ek`, not both.',
    parse: (value) => hexBytes(value, 32, 'kek', { notHex: -4024, wrongLength: -4024 }),
  }),
  param('ek', {
    name: 'ek',
    drms: ALL_DRMS,
    invalid: -4024,
    description: 'The content key wrapped with `kek` (RFC 3394), 48 hex digits; needs `kek`, and must unwrap with it.',
    // A 16-byte content key wrapped with RFC 3394 is 24 bytes.
    parse: (value) => hexBytes(value, 48, 'ek', { notHex: -4024, wrongLength: -4024 }),
  }),
  param('contentKey', {
    name: 'contentKey',
    drms: ALL_DRMS,
    invalid: -2005,
    description:
      'The 16-byte content key as 32 hex digits. Required unless `kek`+`ek`, or `kek`+`kid` ' +
      '(a key in key storage), is given; not together with them.',
    alsoInvalid: [-2027],
    parse: (value) => hexBytes(value, 32, 'contentKey', { notHex: -2005, wrongLength: -2027 }),
  }),
  cross('key entries', BOTH_DRMS, (_context, fields) => {
    if (!fields.keyEntries) return;
    const resolved = resolveKeyEntries(fields.keyEntries, fields);
    fields.resolvedEntries = resolved;
    // The first key is the token's kid and key, where a single-key token has them.
    fields.kid = resolved[0].entry.kid;
    fields.key = resolved[0].key;
  }),
  cross('key source', ALL_DRMS, ({ drm }, fields) => {
    if (fields.resolvedEntries) return;
    fields.key = resolveKeySource(drm, fields);
  }),
  param('iv', {
    name: 'iv',
    drms: ['fp'],
    required: ['fp'],
    invalid: -6003,
    description: 'The content IV, 32 hex digits.',
    parse: (value) => hexBytes(value, 32, 'iv', { notHex: -6003, wrongLength: -6003 }),
  }),
  param('contentId', {
    name: 'contentId',
    drms: ['wv'],
    description: `Content ID carried into the license: at most ${MAX_CONTENT_ID_CHARS} characters, no control characters.`,
    // No code of the spec names contentId; -6005 "Invalid key data" is the one both tables list for the key's data.
    invalid: -6005,
    parse: (value) => safeText(value, MAX_CONTENT_ID_CHARS, 'contentId', -6005),
  }),
  param('securityLevel', {
    name: 'securityLevel',
    drms: ['wv'],
    required: ['wv'],
    invalid: -7004,
    missing: -7003,
    description:
      'Widevine security level 1–5: 1 SW_SECURE_CRYPTO, 2 SW_SECURE_DECODE, 3 HW_SECURE_CRYPTO, 4 HW_SECURE_DECODE, 5 HW_SECURE_ALL.',
    parse: (value) => integerIn(value, 1, 5, 'securityLevel', -7004) as 1 | 2 | 3 | 4 | 5,
  }),
  param('hdcpOutputControl', {
    name: 'hdcpOutputControl',
    drms: ['wv'],
    required: ['wv'],
    description: 'HDCP required of the output: 0 HDCP_NONE, 1 HDCP_V1, 2 HDCP_V2.',
    // The spec has no "invalid HDCP" code; -2034 "Invalid Output Control, values out of specified range" is it.
    invalid: -2034,
    missing: -7006,
    parse: (value) => integerIn(value, 0, 2, 'hdcpOutputControl', -2034) as 0 | 1 | 2,
  }),
  repeated('trackSecurityLevels', TRACK_TYPES.length, {
    name: 'trackSecurityLevel',
    drms: ['wv'],
    invalid: -10004,
    alsoInvalid: [-7004],
    description:
      'Security level (1–5, as `securityLevel`) for the keys of one track of a multi-key token: `<track>:<level>`, ' +
      'e.g. `HD:3`. Repeatable, once per track; a track no key has is refused. Keys without one get `securityLevel`.',
    parse: parseTrackSecurityLevel,
  }),
  repeated('trackHdcps', TRACK_TYPES.length, {
    name: 'trackHdcpOutputControl',
    drms: ['wv'],
    invalid: -10004,
    alsoInvalid: [-2034],
    description:
      'HDCP for the keys of one track of a multi-key token: `<track>:<level>`, level 0 HDCP_NONE, 1 HDCP_V1, ' +
      '2 HDCP_V2, 3 HDCP_V2_1, 4 HDCP_V2_2, 5 HDCP_V2_3. Repeatable, once per track. Keys without one get `hdcpOutputControl`.',
    parse: parseTrackHdcp,
  }),
  repeated('trackMaxResolutions', TRACK_TYPES.length - 1, {
    name: 'trackMaxResolution',
    drms: ['wv'],
    invalid: -10004,
    alsoInvalid: [-10006],
    description:
      'Largest video the keys of one track of a multi-key token may decrypt: `<track>:<width>x<height>`, e.g. ' +
      `\`HD:1920x1080\`, each side 1–${MAX_RESOLUTION_SIDE}; not AUDIO. The license caps the key at width × height ` +
      'pixels (a CDM stops using it for larger video). Repeatable, once per track. Keys without one: no cap.',
    parse: parseTrackMaxResolution,
  }),
  ...(['trackSecurityLevel', 'trackHdcpOutputControl', 'trackMaxResolution'] as const).map((name) =>
    ignored({
      name,
      drms: ['fp'],
      invalid: -10004,
      description: 'Refused on FairPlay (any value): a CKC has no per-track policy.',
      parse: () => fail(-10004, `${name} is Widevine only: a FairPlay CKC has no per-track policy`),
    }),
  ),
  cross('key policies', BOTH_DRMS, ({ drm }, fields) => {
    fields.keys = keysWithPolicies(drm, fields.resolvedEntries, fields);
  }),
  param('licenseDuration', {
    name: 'licenseDuration',
    drms: ['wv'],
    invalid: -7007,
    description: 'Seconds of playback after it starts; absent or 0 = unlimited.',
    // Seconds of playback from its start; 0 is unlimited, as in Widevine's policy (the same as leaving it out).
    parse: (value) => integerIn(value, 0, MAX_INTEGER, 'licenseDuration', -7007),
  }),
  param('rentalDuration', {
    name: 'rentalDuration',
    drms: ['fp'],
    invalid: -6007,
    description: 'Rental (lease) duration in seconds; default 0, no limit.',
    parse: (value) => integerIn(value, 0, MAX_INTEGER, 'rentalDuration', -6007),
  }),
  param('rightsType', {
    name: 'rightsType',
    drms: ['fp'],
    invalid: -2021,
    missing: -2020,
    description: '`BuyToOwn` or `Rental`.',
    parse: (value) =>
      RIGHTS_TYPES.find((type) => type === value) ?? fail(-2021, 'rightsType must be BuyToOwn or Rental'),
  }),
  ...PERSISTENCE_CHECKS,
  ...OPL_PARAMS.map((name) =>
    ignored({
      name,
      drms: ['fp'],
      invalid: -2034,
      description: "An output protection level of the spec's FairPlay example, 0–999: checked, then ignored.",
      parse: (value) => integerIn(value, 0, 999, name, -2034),
    }),
  ),
  ignored({
    name: 'outputControlFlags',
    drms: ['fp'],
    invalid: -2008,
    description: "Output control flags of the spec's FairPlay example, 4 bytes as 8 hex digits: checked, then ignored.",
    alsoInvalid: [-2040],
    parse: (value) => hexBytes(value, 8, 'outputControlFlags', { notHex: -2008, wrongLength: -2040 }),
  }),
  repeated('extensions', MAX_EXTENSIONS, {
    name: 'wvExtension',
    drms: ['wv'],
    invalid: -7009,
    description:
      `Extension, short form \`type,payload\`: a 4-character type and a padded Base64 payload. ` +
      `Repeatable, up to ${MAX_EXTENSIONS} times; at most ${MAX_EXTENSION_PAYLOAD_BYTES} payload bytes in all, long form included.`,
    alsoInvalid: [-2035, -2036, -2037],
    parse: (value) => parseShortExtension(value, 'wvExtension', -7009),
  }),
  repeated('extensions', MAX_EXTENSIONS, {
    name: 'fpExtension',
    drms: ['fp'],
    invalid: -6001,
    description:
      `Extension, short form \`type,payload\`: a 4-character type and a padded Base64 payload. ` +
      `Repeatable, up to ${MAX_EXTENSIONS} times; at most ${MAX_EXTENSION_PAYLOAD_BYTES} payload bytes in all, long form included.`,
    alsoInvalid: [-2035, -2036, -2037],
    parse: (value) => parseShortExtension(value, 'fpExtension', -6001),
  }),
  param('extensionType', {
    name: 'extensionType',
    drms: BOTH_DRMS,
    invalid: -2036,
    missing: -2035,
    description:
      'Long form of one more extension: its type, 4 printable ASCII characters; only with `extensionPayload`.',
    parse: (value) => parseExtensionType(value, 'extensionType'),
  }),
  param('extensionPayload', {
    name: 'extensionPayload',
    drms: BOTH_DRMS,
    invalid: -2037,
    missing: -2035,
    description: 'Long form of one more extension: its padded Base64 payload; only with `extensionType`.',
    parse: (value) => parseExtensionPayload(value, 'extensionPayload'),
  }),
  cross('long-form extension', BOTH_DRMS, (_context, fields) => {
    const { extensionType: type, extensionPayload: payload } = fields;
    if (type === undefined && payload === undefined) return;
    if (type === undefined) fail(-2035, 'extensionPayload given without extensionType');
    if (payload === undefined) fail(-2035, 'extensionType given without extensionPayload');
    fields.extensions = [...(fields.extensions ?? []), { type, payload }];
  }),
  cross('extension budget', BOTH_DRMS, ({ drm }, fields) => {
    checkExtensionBudget(fields.extensions ?? [], drm === 'wv' ? -7009 : -6001);
  }),
  param('expiresAt', {
    name: 'expirationTime',
    drms: ALL_DRMS,
    invalid: -2002,
    description:
      'Token expiry: RFC 3339 UTC (`2026-04-14T12:01:10Z`) or `+seconds` from issuance (send `%2B60`). At most, and by default, 30 days.',
    parse: (value, { now }) => parseExpirationTime(value, now),
  }),
  param('cookie', {
    name: 'cookie',
    drms: ALL_DRMS,
    invalid: -2033,
    description: `At most ${MAX_COOKIE_CHARS} characters, no control characters: carried in the token and written to the issuance and redemption records (see /cmiapi/getrecord).`,
    parse: (value) => safeText(value, MAX_COOKIE_CHARS, 'cookie', -2033),
  }),
  param('useLimit', {
    name: 'useLimit',
    drms: ALL_DRMS,
    invalid: -9001,
    description:
      `How many licenses, CKCs or key sets the token may deliver, 1–${MAX_USE_LIMIT} (1: a one-time token); absent: no ` +
      'limit. Renewals, releases, Widevine service-certificate requests, refusals and a retry of the same request ' +
      'within the retry window are not uses; past the limit the rights server answers -9002 (docs/api.md §11).',
    parse: (value) => integerIn(value, 1, MAX_USE_LIMIT, 'useLimit', -9001),
  }),
  param('maxStreams', {
    name: 'maxStreams',
    drms: BOTH_DRMS,
    invalid: -9003,
    description:
      `Most simultaneous streams, 1–${MAX_STREAMS}: Widevine licenses or FairPlay CKCs alive at once for this token, ` +
      "or for the account's user named by `cookie` when the token has one. A Widevine stream lives while its license " +
      "renews, until it is released; a FairPlay stream until its CKC's lease (or rental) ends, each lease renewal " +
      'from the same device extending it; past the limit a new one is refused with -9004 (docs/api.md §13). Absent: ' +
      'no limit.',
    parse: (value) => integerIn(value, 1, MAX_STREAMS, 'maxStreams', -9003),
  }),
  param('stopOldestStream', {
    name: 'streamLimitMode',
    drms: BOTH_DRMS,
    invalid: -9003,
    description:
      '`deny` (the default): a stream past `maxStreams` is refused with -9004. `stopOldest`: it is granted and the ' +
      "oldest live stream's next renewal (FairPlay: lease renewal) is refused with -9005. Needs `maxStreams`.",
    parse: (value) =>
      value === 'stopOldest' || (value === 'deny' ? false : fail(-9003, 'streamLimitMode must be deny or stopOldest')),
  }),
  param('maxDevices', {
    name: 'maxDevices',
    drms: BOTH_DRMS,
    invalid: -9006,
    description:
      `Most distinct devices, 1–${MAX_DEVICES}, that may get a license or CKC of this token (or of the account's user ` +
      'named by `cookie`) within `deviceWindow`; one for one more is refused with -9007 (docs/api.md §13). Absent: no ' +
      'limit.',
    parse: (value) => integerIn(value, 1, MAX_DEVICES, 'maxDevices', -9006),
  }),
  param('deviceWindow', {
    name: 'deviceWindow',
    drms: BOTH_DRMS,
    invalid: -9006,
    description:
      `Seconds, ${MIN_DEVICE_WINDOW}–${MAX_DEVICE_WINDOW} (default ${DEFAULT_DEVICE_WINDOW}, 30 days): a device counts ` +
      'against `maxDevices` until this long after its last license. Needs `maxDevices`.',
    parse: (value) => integerIn(value, MIN_DEVICE_WINDOW, MAX_DEVICE_WINDOW, 'deviceWindow', -9006),
  }),
  cross('device window', BOTH_DRMS, (_context, fields) => {
    if (fields.deviceWindow !== undefined && fields.maxDevices === undefined)
      fail(-9006, 'deviceWindow needs maxDevices');
  }),
  cross('stream limit mode', BOTH_DRMS, (_context, fields) => {
    if (fields.stopOldestStream !== undefined && fields.maxStreams === undefined) {
      fail(-9003, 'streamLimitMode needs maxStreams');
    }
  }),
];
