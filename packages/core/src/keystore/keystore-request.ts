import { ENVELOPE_CHECKS } from '../request/parse-envelope';
import { groupParams, runChecks, type Check } from '../request/check';
import { parseKid } from '../request/parse-kid';
import { MAX_CONTENT_ID_CHARS } from '../request/token-checks';
import type { Authenticator, RawParams } from '../request/types';
import { fail, hexBytes, isUnsafeText, safeText } from '../request/values';
import { readDateTime } from '../time/date-time';
import { KeystoreError } from './keystore-error';

/** Kids one batch path (`/keys/{kid1},{kid2},…`) may name. */
export const MAX_BATCH_KIDS = 100;
/** Keys per page of `GET /keys` unless `limit` says otherwise, and the most `limit` may ask for. */
export const DEFAULT_KEY_PAGE = 100;
export const MAX_KEY_PAGE = 1000;
/** `info` is free text for the customer's own bookkeeping. */
export const MAX_INFO_CHARS = 1024;

const KEK_ID = /^#1\.[0-9a-fA-F]{40}$/;
// RFC 3339 date-time: 2025-01-31T23:59:59Z, optional fraction (milliseconds are kept), Z or ±hh:mm.
type AuthenticatorFields = { authenticator?: Authenticator };
const AUTHENTICATOR_CHECK = ENVELOPE_CHECKS.find(
  (check) => check.kind === 'param' && check.name === 'customerAuthenticator',
) as Check<AuthenticatorFields>;

/**
 * The key store's first check, with the token API's row and codes: `customerAuthenticator` absent or empty
 * -2017; given twice or malformed -2018. (`errorFormat` is not read: the key store always answers JSON.)
 */
export function readKeystoreAuthenticator(params: RawParams): Authenticator {
  const { authenticator } = runChecks<AuthenticatorFields>(
    [AUTHENTICATOR_CHECK],
    groupParams(params),
    { drm: 'wv', now: 0 },
    {},
  );
  if (!authenticator) throw new Error('customerAuthenticator is a required row'); // runChecks guarantees it
  return authenticator;
}

/**
 * The single value of a parameter, or null; given again with another value → `invalid` (the same value repeated
 * is that value, as in a token request). Empty values are the caller's to judge.
 */
function single(params: RawParams, name: string, invalid: () => never): string | null {
  let found: string | null = null;
  for (const [key, value] of params) {
    if (key !== name) continue;
    if (found !== null && found !== value) invalid();
    found = value;
  }
  return found;
}

/** `kek` (query or form): 32 hex digits, else -4024 (also when given twice or empty); absent → null. */
export function readKek(params: RawParams): Buffer | null {
  const value = single(params, 'kek', () => fail(-4024, 'kek given more than once with different values'));
  if (value === null) return null;
  if (value === '') fail(-4024, 'kek given without a value');
  return hexBytes(value, 32, 'kek', { notHex: -4024, wrongLength: -4024 });
}

export interface KeyPageParams {
  /** Keys after this kid (the last one of the previous page); null: from the first. */
  readonly after: Buffer | null;
  readonly limit: number;
}

/** `after` (a kid in any form: the kid codes) and `limit` (1–1000, default 100: else 400) of `GET /keys`. */
export function readKeyPage(params: RawParams): KeyPageParams {
  const after = single(params, 'after', () => fail(-4022, 'after given more than once with different values'));
  const limit = single(params, 'limit', () => {
    throw new KeystoreError(400, 'limit given more than once with different values');
  });
  let pageSize = DEFAULT_KEY_PAGE;
  if (limit !== null) {
    if (!/^[0-9]{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_KEY_PAGE) {
      throw new KeystoreError(400, `limit must be an integer from 1 to ${MAX_KEY_PAGE}`);
    }
    pageSize = Number(limit);
  }
  return { after: after === null ? null : parseKeyPathKid(after), limit: pageSize };
}

/** One kid of a path or body: 32 hex digits or `^name` (parseKid's codes); empty -4018. */
export function parseKeyPathKid(value: string): Buffer {
  if (value === '') fail(-4018, 'kid is empty');
  return parseKid(value);
}

/**
 * The kids of `/keys/{kid1},{kid2},…`, in order (duplicates kept). A `^name` containing a comma cannot be named
 * in such a path: use its hex kid. An empty item (`a,,b`, a trailing comma) is -4018.
 */
export function parseKidList(segment: string): Buffer[] {
  // Bounded before splitting: the longest item is `^` and 64 characters.
  if (segment.length > MAX_BATCH_KIDS * 66) throw new KeystoreError(400, `at most ${MAX_BATCH_KIDS} kids per request`);
  const items = segment.split(',');
  if (items.length > MAX_BATCH_KIDS) throw new KeystoreError(400, `at most ${MAX_BATCH_KIDS} kids per request`);
  return items.map(parseKeyPathKid);
}

/**
 * What a request body says of a key (`POST /keys`, `PUT /keys/{kid}`). Absent fields are undefined; for info,
 * contentId and expiration `null` means "none" (PUT clears them with it). Hex is accepted in either case.
 */
export interface KeyObjectInput {
  readonly kid?: Buffer;
  /** The content key in clear: 16 bytes. */
  readonly k?: Buffer;
  /** The content key wrapped under the KEK (RFC 3394): 24 bytes. */
  readonly ek?: Buffer;
  /** `#1.` + 40 hex digits, upper-cased. */
  readonly kekId?: string;
  readonly info?: string | null;
  readonly contentId?: string | null;
  readonly expiration?: Date | null;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A request body as the app hands it over: JSON text, a form (latin1 text), or none. */
export type KeyObjectBody = { readonly json: string } | string | null | undefined;

/**
 * The key object of a request body. A JSON body must be an object; empty or blank, it says nothing. Without a
 * body, or with a form body (which carries only parameters such as `customerAuthenticator` and `kek`), the key
 * object is empty — except that a form body that looks like JSON (`curl -d '{…}'` without a content type) is
 * refused with 415 rather than silently read as no key at all. Unknown fields (`lastUpdate` echoed back from a
 * GET, for one) are ignored.
 */
export function readKeyObject(body: KeyObjectBody): KeyObjectInput {
  if (body === null || body === undefined) return {};
  if (typeof body === 'string') {
    if (/^\s*[{[]/.test(body)) throw new KeystoreError(415, 'send the key object as application/json');
    return {};
  }
  if (body.json.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(body.json);
  } catch {
    throw new KeystoreError(400, 'the body is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new KeystoreError(400, 'the body must be a JSON object (a key)');
  }
  return parseKeyFields(json as Record<string, unknown>);
}

/** Checks in this order: kid, k, ek, kekId, info, contentId, expiration (the first failure answers). */
function parseKeyFields(fields: Record<string, unknown>): KeyObjectInput {
  const own = (name: string): unknown =>
    Object.prototype.hasOwnProperty.call(fields, name) ? fields[name] : undefined;
  const input: Mutable<KeyObjectInput> = {};
  const kid = own('kid');
  if (kid !== undefined && kid !== null) {
    if (typeof kid !== 'string') fail(-4022, 'kid must be a string');
    input.kid = parseKeyPathKid(kid);
  }
  const k = own('k');
  if (k !== undefined && k !== null) {
    if (typeof k !== 'string') fail(-2005, 'k must be a string of 32 hex digits');
    input.k = hexBytes(k, 32, 'k', { notHex: -2005, wrongLength: -2027 });
  }
  const ek = own('ek');
  if (ek !== undefined && ek !== null) {
    if (typeof ek !== 'string') fail(-4024, 'ek must be a string of 48 hex digits');
    input.ek = hexBytes(ek, 48, 'ek', { notHex: -4024, wrongLength: -4024 });
  }
  const kekId = own('kekId');
  if (kekId !== undefined && kekId !== null) {
    if (typeof kekId !== 'string' || !KEK_ID.test(kekId)) fail(-4024, 'kekId must be #1. followed by 40 hex digits');
    input.kekId = kekId.toUpperCase();
  }
  const info = own('info');
  if (info !== undefined) input.info = info === null ? null : parseInfo(info);
  const contentId = own('contentId');
  if (contentId !== undefined) input.contentId = contentId === null ? null : parseContentId(contentId);
  const expiration = own('expiration');
  if (expiration !== undefined) input.expiration = expiration === null ? null : parseDateTime(expiration);
  return input;
}

function parseInfo(value: unknown): string {
  if (typeof value !== 'string') throw new KeystoreError(400, 'info must be a string');
  if (value.length > MAX_INFO_CHARS * 2 || [...value].length > MAX_INFO_CHARS) {
    throw new KeystoreError(400, `info must be at most ${MAX_INFO_CHARS} characters`);
  }
  if (isUnsafeText(value)) throw new KeystoreError(400, 'info must not contain control characters');
  return value;
}

/** As the token request's contentId: 1–256 characters without control characters, else -6005. */
function parseContentId(value: unknown): string {
  if (typeof value !== 'string') fail(-6005, 'contentId must be a string');
  if (value === '') fail(-6005, 'contentId must not be empty (null removes it)');
  return safeText(value, MAX_CONTENT_ID_CHARS, 'contentId', -6005);
}

/** An RFC 3339 date-time with its offset (`2030-01-01T00:00:00Z`), years 1970–9999; else 400. */
export function parseDateTime(value: unknown): Date {
  const read = typeof value === 'string' ? readDateTime(value) : 'syntax';
  if (typeof read === 'string' || read.year < 1970) {
    throw new KeystoreError(400, 'expiration must be an RFC 3339 date-time such as 2030-01-01T00:00:00Z');
  }
  return new Date(read.epochMilliseconds);
}
