import { unwrapContentKey } from '../keys/content-key';
import { ExpressPlayError } from '../errors';
import { parseKid } from './parse-kid';
import {
  MAX_RESOLUTION_SIDE,
  MAX_TOKEN_KEYS,
  TRACK_TYPES,
  type Drm,
  type HdcpLevel,
  type KeySource,
  type RequestKey,
  type TrackType,
  type WidevinePolicy,
} from './types';
import { fail, hexBytes, integerIn } from './values';

/**
 * Multi-key token requests (docs/api.md §12, docs/decisions/0016-multi-key-tokens.md): the repeatable `key`, `keyEk`
 * and `keyStored` entries and the per-track policies. Each entry is one key; the single-key parameters (`kid`,
 * `contentKey`, `ek`) cannot be mixed with them.
 */

export type KeyEntryForm = 'key' | 'keyEk' | 'keyStored';

/** One entry as given, each part well-formed on its own. */
export interface KeyEntry {
  readonly form: KeyEntryForm;
  readonly kid: Buffer;
  /** `key`: the content key in clear; `keyEk`: the wrapped key; `keyStored`: null. */
  readonly keyBytes: Buffer | null;
  /** Widevine: the entry's track, or null. */
  readonly track: TrackType | null;
  /** FairPlay: the entry's IV, or null (the request's `iv` then). */
  readonly iv: Buffer | null;
}

/** A track policy parameter's value: `<track>:<value>`. */
export interface TrackSetting<T> {
  readonly track: TrackType;
  readonly value: T;
}

/** Longest entry: a 65-character `^name`, a 48-digit ek, a 32-digit iv and the commas, with room to spare. */
const MAX_ENTRY_CHARS = 200;
/** The digits each form's second part has: a content key, a wrapped content key (RFC 3394), none. */
const KEY_DIGITS: Record<KeyEntryForm, number> = { key: 32, keyEk: 48, keyStored: 0 };
const SHAPES: Record<KeyEntryForm, Record<'wv' | 'fp', string>> = {
  key: { wv: 'key=<kid>,<contentKey>[,<track>]', fp: 'key=<kid>,<contentKey>[,<iv>]' },
  keyEk: { wv: 'keyEk=<kid>,<ek>[,<track>]', fp: 'keyEk=<kid>,<ek>[,<iv>]' },
  keyStored: { wv: 'keyStored=<kid>[,<track>]', fp: 'keyStored=<kid>[,<iv>]' },
};

/** A `key` / `keyEk` / `keyStored` value. Every fault is -10001 and names the entry by its kid text. */
export function parseKeyEntry(form: KeyEntryForm, value: string, drm: Drm): KeyEntry {
  if (drm === 'ck') fail(-8002, `${form} cannot be used with Clear Key`); // the ck rows refuse it first
  const shape = SHAPES[form][drm];
  if (value.length > MAX_ENTRY_CHARS) fail(-10001, `${form} must be at most ${MAX_ENTRY_CHARS} characters (${shape})`);
  const parts = value.split(',');
  const keyParts = KEY_DIGITS[form] > 0 ? 2 : 1;
  if (parts.length < keyParts || parts.length > keyParts + 1) fail(-10001, `${form} must be ${shape}`);
  const kidText = parts[0];
  const where = `${form} for kid ${JSON.stringify(kidText.slice(0, 66))}`;
  let kid: Buffer;
  try {
    kid = parseKid(kidText);
  } catch (error) {
    const details = error instanceof ExpressPlayError ? error.details : 'invalid';
    return fail(-10001, `${where}: ${details}`);
  }
  let keyBytes: Buffer | null = null;
  if (keyParts === 2) {
    const name = form === 'key' ? 'contentKey' : 'ek';
    keyBytes = hexBytes(parts[1], KEY_DIGITS[form], `${where}: ${name}`, { notHex: -10001, wrongLength: -10001 });
  }
  const extra = parts.length > keyParts ? parts[keyParts] : null;
  let track: TrackType | null = null;
  let iv: Buffer | null = null;
  if (extra !== null && drm === 'wv') {
    track = TRACK_TYPES.find((type) => type === extra) ?? fail(-10001, `${where}: track must be one of ${TRACKS}`);
  } else if (extra !== null) {
    iv = hexBytes(extra, 32, `${where}: iv`, { notHex: -10001, wrongLength: -10001 });
  }
  return { form, kid, keyBytes, track, iv };
}

const TRACKS = TRACK_TYPES.join(', ');

function parseTrackSetting<T>(
  value: string,
  name: string,
  parse: (text: string, track: TrackType) => T,
): TrackSetting<T> {
  const colon = value.indexOf(':');
  const trackText = colon < 0 ? value : value.slice(0, colon);
  const track = TRACK_TYPES.find((type) => type === trackText);
  if (colon < 0 || track === undefined) fail(-10004, `${name} must be <track>:<value>, the track one of ${TRACKS}`);
  return { track, value: parse(value.slice(colon + 1), track) };
}

/** `trackSecurityLevel=HD:3`: -10004 for the shape or the track, -7004 for the level. */
export function parseTrackSecurityLevel(value: string): TrackSetting<WidevinePolicy['securityLevel']> {
  return parseTrackSetting(
    value,
    'trackSecurityLevel',
    (text, track) => integerIn(text, 1, 5, `trackSecurityLevel for ${track}`, -7004) as 1 | 2 | 3 | 4 | 5,
  );
}

/** `trackHdcpOutputControl=HD:1`: -10004 for the shape or the track, -2034 for the level (0–5). */
export function parseTrackHdcp(value: string): TrackSetting<HdcpLevel> {
  return parseTrackSetting(
    value,
    'trackHdcpOutputControl',
    (text, track) => integerIn(text, 0, 5, `trackHdcpOutputControl for ${track}`, -2034) as HdcpLevel,
  );
}

/** A `trackMaxResolution` value's size, in pixels on each side. */
export interface Resolution {
  readonly width: number;
  readonly height: number;
}

const RESOLUTION = /^([0-9]{1,5})x([0-9]{1,5})$/;

/**
 * `trackMaxResolution=HD:1920x1080`: the most pixels the track's keys may decrypt video for. -10004 for the shape or
 * the track (AUDIO included: an audio key has no resolution, and the CDM would judge it by the video's), -10006 for
 * the size (`<width>x<height>`, each 1–MAX_RESOLUTION_SIDE).
 */
export function parseTrackMaxResolution(value: string): TrackSetting<Resolution> {
  const setting = parseTrackSetting(value, 'trackMaxResolution', (text, track) => {
    const match = RESOLUTION.exec(text);
    const width = match ? Number(match[1]) : 0;
    const height = match ? Number(match[2]) : 0;
    if (width < 1 || width > MAX_RESOLUTION_SIDE || height < 1 || height > MAX_RESOLUTION_SIDE) {
      fail(
        -10006,
        `trackMaxResolution for ${track} must be <width>x<height>, each 1 to ${MAX_RESOLUTION_SIDE} (e.g. HD:1920x1080)`,
      );
    }
    return { width, height };
  });
  if (setting.track === 'AUDIO') fail(-10004, 'trackMaxResolution cannot cap AUDIO: an audio key has no resolution');
  return setting;
}

/** What a multi-key request resolved so far: the keys' sources, in entry order. */
export interface ResolvedEntry {
  readonly entry: KeyEntry;
  readonly key: KeySource;
}

/**
 * The rules across entries and the single-key parameters, before the single-key source rules run:
 * - `kid`, `contentKey` or `ek` with an entry: -10002 (which key is meant would be a guess);
 * - more than MAX_TOKEN_KEYS entries in all: -10001; a kid twice: -10003;
 * - `keyEk` / `keyStored` without `kek`: -10001; `kek` with only `key` entries: -10002;
 * - `keyEk`: unwrapped now (-4024 naming the kid when it does not unwrap with `kek`).
 */
export function resolveKeyEntries(
  entries: readonly KeyEntry[],
  single: { readonly kid?: Buffer; readonly contentKey?: Buffer; readonly ek?: Buffer; readonly kek?: Buffer },
): ResolvedEntry[] {
  const mixed = (['kid', 'contentKey', 'ek'] as const).filter((name) => single[name] !== undefined);
  if (mixed.length > 0) {
    fail(-10002, `${mixed.join(', ')} cannot be given with key, keyEk or keyStored (one key, or a list of keys)`);
  }
  if (entries.length > MAX_TOKEN_KEYS) fail(-10001, `at most ${MAX_TOKEN_KEYS} keys (key, keyEk, keyStored together)`);
  const seen = new Set<string>();
  for (const { kid, form } of entries) {
    const hex = kid.toString('hex');
    if (seen.has(hex)) fail(-10003, `kid ${hex} is given twice (the second time in ${form})`);
    seen.add(hex);
  }
  const { kek } = single;
  const needsKek = entries.find((entry) => entry.form !== 'key');
  if (needsKek && !kek) fail(-10001, `${needsKek.form} for kid ${needsKek.kid.toString('hex')} needs kek`);
  if (kek && !needsKek) fail(-10002, 'kek is only used with keyEk or keyStored entries');
  return entries.map((entry) => {
    const hex = entry.kid.toString('hex');
    switch (entry.form) {
      case 'key':
        return { entry, key: { kind: 'clear', contentKey: entry.keyBytes! } };
      case 'keyEk': {
        const unwrapped = unwrapContentKey(kek!, entry.keyBytes!, `keyEk for kid ${hex} does not unwrap with kek`);
        return { entry, key: { kind: 'wrapped', contentKey: unwrapped } };
      }
      case 'keyStored':
        return { entry, key: { kind: 'stored', kek: kek!, kid: entry.kid } };
    }
  });
}

/**
 * Each key's policy: Widevine keys get their track's levels, else the token's, and their track's resolution cap, else
 * none; FairPlay keys their IV, else the request's. A track policy without entries, or for a track no key has, is -10004 (a typo would otherwise go unseen).
 */
export function keysWithPolicies(
  drm: Drm,
  resolved: readonly ResolvedEntry[] | undefined,
  fields: {
    readonly securityLevel?: WidevinePolicy['securityLevel'];
    readonly hdcpOutputControl?: 0 | 1 | 2;
    readonly iv?: Buffer;
    readonly trackSecurityLevels?: readonly TrackSetting<WidevinePolicy['securityLevel']>[];
    readonly trackHdcps?: readonly TrackSetting<HdcpLevel>[];
    readonly trackMaxResolutions?: readonly TrackSetting<Resolution>[];
  },
): RequestKey[] | undefined {
  const levels = byTrack(fields.trackSecurityLevels ?? [], 'trackSecurityLevel');
  const hdcps = byTrack(fields.trackHdcps ?? [], 'trackHdcpOutputControl');
  const caps = byTrack(fields.trackMaxResolutions ?? [], 'trackMaxResolution');
  if (resolved === undefined) {
    if (levels.size > 0 || hdcps.size > 0 || caps.size > 0) {
      fail(-10004, 'track policies apply to the keys of key, keyEk or keyStored entries; none is given');
    }
    return undefined;
  }
  const tracks = new Set(resolved.map(({ entry }) => entry.track));
  for (const [name, settings] of [
    ['trackSecurityLevel', levels],
    ['trackHdcpOutputControl', hdcps],
    ['trackMaxResolution', caps],
  ] as const) {
    for (const track of settings.keys()) if (!tracks.has(track)) fail(-10004, `${name}: no key has track ${track}`);
  }
  return resolved.map(({ entry, key }) => {
    if (drm === 'fp') {
      return {
        kid: entry.kid,
        key,
        track: null,
        securityLevel: null,
        hdcpOutputControl: null,
        iv: entry.iv ?? fields.iv!,
      };
    }
    const track = entry.track;
    const cap = track && caps.get(track);
    return {
      kid: entry.kid,
      key,
      track,
      securityLevel: (track && levels.get(track)) ?? fields.securityLevel!,
      hdcpOutputControl: (track && hdcps.get(track)) ?? fields.hdcpOutputControl!,
      // Only when capped: the keys of a request without caps are what they were before caps existed.
      ...(cap && { maxResolutionPixels: cap.width * cap.height }),
      iv: null,
    };
  });
}

function byTrack<T>(settings: readonly TrackSetting<T>[], name: string): Map<TrackType, T> {
  const map = new Map<TrackType, T>();
  for (const { track, value } of settings) {
    if (map.has(track)) fail(-10004, `${name} is given twice for track ${track}`);
    map.set(track, value);
  }
  return map;
}
