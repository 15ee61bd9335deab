import { parseExpirationTime } from '../expiry/expiration-time';
import { BOTH_DRMS, checksFor, type Check } from './check';
import {
  MAX_EXTENSIONS,
  checkExtensionBudget,
  parseExtensionPayload,
  parseExtensionType,
  parseShortExtension,
} from './extensions';
import { resolveKeySource } from './key-source';
import { parseKid } from './parse-kid';
import type { Extension, KeySource, RightsType } from './types';
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
  extensions?: Extension[];
  extensionType?: string;
  extensionPayload?: Buffer;
  expiresAt?: number;
  cookie?: string;
}

export const MAX_COOKIE_CHARS = 32;
export const MAX_CONTENT_ID_CHARS = 256;

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

const RIGHTS_TYPES: readonly RightsType[] = ['BuyToOwn', 'Rental'];

const { param, ignored, repeated, cross } = checksFor<TokenFields>();

const refuse = (code: -7002 | -6008) => (): never => fail(code, 'device binding parameters are not accepted');

/**
 * Every token-request rule after the envelope, in the order they are checked (README.md, "Check order").
 * A parameter of the other DRM is not in that DRM's rows and is ignored like any unknown name.
 */
export const TOKEN_CHECKS: readonly Check<TokenFields>[] = [
  ...DEVICE_BINDING_PARAMS.flatMap((name) => [
    ignored({ name, drms: ['wv'], invalid: -7002, parse: refuse(-7002) }),
    ignored({ name, drms: ['fp'], invalid: -6008, parse: refuse(-6008) }),
  ]),
  ignored({
    name: 'generalFlags',
    drms: BOTH_DRMS,
    invalid: -5003,
    parse: (value) => value === '0000' || fail(-5003, 'generalFlags must be 0000'),
  }),
  param('kid', { name: 'kid', drms: BOTH_DRMS, required: ['wv'], invalid: -4022, missing: -4018, parse: parseKid }),
  param('kek', {
    name: 'kek',
    drms: BOTH_DRMS,
    invalid: -4024,
    parse: (value) => hexBytes(value, 32, 'kek', { notHex: -4024, wrongLength: -4024 }),
  }),
  param('ek', {
    name: 'ek',
    drms: BOTH_DRMS,
    invalid: -4024,
    // A 16-byte content key wrapped with RFC 3394 is 24 bytes.
    parse: (value) => hexBytes(value, 48, 'ek', { notHex: -4024, wrongLength: -4024 }),
  }),
  param('contentKey', {
    name: 'contentKey',
    drms: BOTH_DRMS,
    invalid: -2005,
    parse: (value) => hexBytes(value, 32, 'contentKey', { notHex: -2005, wrongLength: -2027 }),
  }),
  cross('key source', BOTH_DRMS, ({ drm }, fields) => {
    fields.key = resolveKeySource(drm, fields);
  }),
  param('iv', {
    name: 'iv',
    drms: ['fp'],
    required: ['fp'],
    invalid: -6003,
    parse: (value) => hexBytes(value, 32, 'iv', { notHex: -6003, wrongLength: -6003 }),
  }),
  param('contentId', {
    name: 'contentId',
    drms: ['wv'],
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
    parse: (value) => integerIn(value, 1, 5, 'securityLevel', -7004) as 1 | 2 | 3 | 4 | 5,
  }),
  param('hdcpOutputControl', {
    name: 'hdcpOutputControl',
    drms: ['wv'],
    required: ['wv'],
    // The spec has no "invalid HDCP" code; -2034 "Invalid Output Control, values out of specified range" is it.
    invalid: -2034,
    missing: -7006,
    parse: (value) => integerIn(value, 0, 2, 'hdcpOutputControl', -2034) as 0 | 1 | 2,
  }),
  param('licenseDuration', {
    name: 'licenseDuration',
    drms: ['wv'],
    invalid: -7007,
    // Seconds of playback from its start; 0 is unlimited, as in Widevine's policy (the same as leaving it out).
    parse: (value) => integerIn(value, 0, MAX_INTEGER, 'licenseDuration', -7007),
  }),
  param('rentalDuration', {
    name: 'rentalDuration',
    drms: ['fp'],
    invalid: -6007,
    parse: (value) => integerIn(value, 0, MAX_INTEGER, 'rentalDuration', -6007),
  }),
  param('rightsType', {
    name: 'rightsType',
    drms: ['fp'],
    invalid: -2021,
    missing: -2020,
    parse: (value) =>
      RIGHTS_TYPES.find((type) => type === value) ?? fail(-2021, 'rightsType must be BuyToOwn or Rental'),
  }),
  ...OPL_PARAMS.map((name) =>
    ignored({ name, drms: ['fp'], invalid: -2034, parse: (value) => integerIn(value, 0, 999, name, -2034) }),
  ),
  ignored({
    name: 'outputControlFlags',
    drms: ['fp'],
    invalid: -2008,
    parse: (value) => hexBytes(value, 8, 'outputControlFlags', { notHex: -2008, wrongLength: -2040 }),
  }),
  repeated('extensions', MAX_EXTENSIONS, {
    name: 'wvExtension',
    drms: ['wv'],
    invalid: -7009,
    parse: (value) => parseShortExtension(value, 'wvExtension', -7009),
  }),
  repeated('extensions', MAX_EXTENSIONS, {
    name: 'fpExtension',
    drms: ['fp'],
    invalid: -6001,
    parse: (value) => parseShortExtension(value, 'fpExtension', -6001),
  }),
  param('extensionType', {
    name: 'extensionType',
    drms: BOTH_DRMS,
    invalid: -2036,
    missing: -2035,
    parse: (value) => parseExtensionType(value, 'extensionType'),
  }),
  param('extensionPayload', {
    name: 'extensionPayload',
    drms: BOTH_DRMS,
    invalid: -2037,
    missing: -2035,
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
    drms: BOTH_DRMS,
    invalid: -2002,
    parse: (value, { now }) => parseExpirationTime(value, now),
  }),
  param('cookie', {
    name: 'cookie',
    drms: BOTH_DRMS,
    invalid: -2033,
    parse: (value) => safeText(value, MAX_COOKIE_CHARS, 'cookie', -2033),
  }),
];
