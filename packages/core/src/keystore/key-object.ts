import { randomBytes } from 'node:crypto';
import { unwrapStoredKey } from '../keys/content-key';
import { kekId as kekIdOf } from '../keys/kek-id';
import { aesKeyWrap } from '../keys/key-wrap';
import { fail } from '../request/values';
import type { KeyObjectInput } from './keystore-request';

/** What the store keeps of a key (the database's StoredKeyRecord has this shape). */
export interface StoredKeyView {
  readonly kid: Buffer;
  readonly ek: Buffer;
  readonly kekId: string;
  readonly info: string | null;
  readonly contentId: string | null;
  readonly expiration: Date | null;
  readonly lastUpdate: Date;
}

/** A key as the store will keep it, and the key in clear when the request made or opened it (for the answer). */
export interface KeyMaterial {
  readonly ek: Buffer;
  readonly kekId: string;
  readonly k: Buffer | null;
}

/**
 * ExpressPlay's key object. Hex is upper case, as ExpressPlay's key storage answers (kid, ek, k, the kekId's
 * digest); times are RFC 3339 in UTC, to the second unless they carry milliseconds. `k` is present only when the
 * request's kek opens the key; info, contentId and expiration only when set.
 */
export interface KeyJson {
  readonly kid: string;
  readonly kekId: string;
  readonly ek: string;
  readonly k?: string;
  readonly info?: string;
  readonly contentId?: string;
  readonly expiration?: string;
  readonly lastUpdate: string;
}

const hex = (bytes: Buffer): string => bytes.toString('hex').toUpperCase();

/** `2021-09-22T22:42:48Z` (ExpressPlay's form); milliseconds are written only when there are some. */
export function formatKeyTime(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}

/**
 * The wrapped key a POST (`random` true: nothing given makes a random key) or a PUT (`random` false: nothing given
 * changes nothing → null) stores. Rules, first failure answers:
 * 1. `k` needs the `kek` (-4024: keys are stored only wrapped under it); wrapped under it. With `ek` as well, `ek`
 *    must unwrap under the kek (-4024) to the same `k` (-2005): an echoed GET-with-kek object is accepted.
 * 2. `ek` alone: with the `kek`, it must unwrap under it (-4024); without, it needs its `kekId` (-4024) and is
 *    stored as given (client-side wrapping: the server never sees that kek).
 * 3. neither: POST needs the `kek` (-4024) and makes a random key; PUT leaves the key as it is.
 * 4. A `kekId` in the body together with a `kek` must name that kek (-4024).
 */
export function keyMaterial(input: KeyObjectInput, kek: Buffer | null, random: boolean): KeyMaterial | null {
  const requestKekId = kek ? kekIdOf(kek) : null;
  if (input.kekId !== undefined && requestKekId !== null && input.kekId !== requestKekId) {
    fail(-4024, 'kekId does not name the kek given');
  }
  if (input.k) {
    if (!kek || !requestKekId) return fail(-4024, 'k needs the kek: keys are stored only wrapped under it');
    if (input.ek && !unwrapStoredKey(kek, input.ek).equals(input.k)) fail(-2005, 'k and ek are different keys');
    return { ek: aesKeyWrap(kek, input.k), kekId: requestKekId, k: input.k };
  }
  if (input.ek) {
    if (kek && requestKekId) return { ek: input.ek, kekId: requestKekId, k: unwrapStoredKey(kek, input.ek) };
    if (input.kekId === undefined) return fail(-4024, 'ek without kek needs its kekId');
    return { ek: input.ek, kekId: input.kekId, k: null };
  }
  if (!random) return null;
  if (!kek || !requestKekId) return fail(-4024, 'kek is required to create a key (or give ek and kekId)');
  const k = randomBytes(16);
  return { ek: aesKeyWrap(kek, k), kekId: requestKekId, k };
}

/**
 * The content key of a stored key under the request's kek: -4024 when the kek is not the one the key is wrapped
 * under (its kekId differs) or does not unwrap it (a client-wrapped ek under another kek than its kekId says).
 * Token requests by `kek`+`kid` use the same rule.
 */
export function openStoredKey(key: Pick<StoredKeyView, 'ek' | 'kekId'>, kek: Buffer): Buffer {
  if (kekIdOf(kek) !== key.kekId.toUpperCase())
    fail(-4024, 'the kek is not the one this key is wrapped under (kekId differs)');
  return unwrapStoredKey(kek, key.ek);
}

/** The JSON answer for a key; `k` only when given (the request's kek opened it). */
export function keyJson(key: StoredKeyView, k: Buffer | null): KeyJson {
  return {
    kid: hex(key.kid),
    kekId: key.kekId,
    ek: hex(key.ek),
    ...(k ? { k: hex(k) } : {}),
    ...(key.info !== null ? { info: key.info } : {}),
    ...(key.contentId !== null ? { contentId: key.contentId } : {}),
    ...(key.expiration !== null ? { expiration: formatKeyTime(key.expiration) } : {}),
    lastUpdate: formatKeyTime(key.lastUpdate),
  };
}

/** `GET /keys/{kid}/value`: the key's hex with the kek that opens it, `#` + the ek's hex without a kek. */
export function keyValue(key: StoredKeyView, k: Buffer | null): string {
  return k ? hex(k) : `#${hex(key.ek)}`;
}
