import { fitsSafeText, MAX_COOKIE_CHARS, type RawParams, readRangeTime } from '@openplay/core';
import { ApiHttpError } from '@openplay/nest-kit';

/**
 * What a record retrieval asks for. The modes of ExpressPlay's `/cmiapi/getrecord/` are separate: the latest
 * records (a page by `start` + `length`, the latest 32 when neither is given), the records of one `cookie`, or
 * one record by `id`. Combining modes is refused (400) rather than guessed at. The latest records and a cookie's
 * can be narrowed to a time range (`from` inclusive, `to` exclusive), as ExpressPlay's retrieval by time.
 */
export type RecordQuery =
  | { readonly mode: 'latest'; readonly start: number; readonly length: number; readonly range: TimeRange }
  | { readonly mode: 'cookie'; readonly cookie: string; readonly range: TimeRange }
  | { readonly mode: 'id'; readonly id: bigint };

/** Records at or after `from` and before `to`; either end may be open. */
export interface TimeRange {
  readonly from?: Date;
  readonly to?: Date;
}

export const RECORDS_DEFAULT_LENGTH = 32;
export const RECORDS_MAX_LENGTH = 1000;
/** Pages go this deep at most: the log is for trouble-shooting, and a deep OFFSET costs the database. */
export const RECORDS_MAX_START = 100_000;
/** A cookie's records: the newest this many. */
export const RECORDS_COOKIE_LIMIT = 1000;
const MAX_ID = 2n ** 63n - 1n;

const MODE_PARAMS = ['cookie', 'id', 'start', 'length', 'from', 'to'] as const;

/** Reads the query's mode parameters (the envelope, errorFormat and customerAuthenticator, is read before). */
export function parseRecordQuery(params: RawParams): RecordQuery {
  const given = new Map<string, string>();
  for (const [name, value] of params) {
    if (!(MODE_PARAMS as readonly string[]).includes(name)) continue;
    if (given.has(name) && given.get(name) !== value)
      throw new ApiHttpError(400, `${name} is given more than once with different values`);
    given.set(name, value);
  }
  const modes = [
    given.has('cookie') && 'cookie',
    given.has('id') && 'id',
    (given.has('start') || given.has('length')) && 'start/length',
  ].filter(Boolean);
  if (modes.length > 1) {
    throw new ApiHttpError(
      400,
      `${modes.join(' and ')} cannot be combined: ask for the latest records (start, length), a cookie's, or one id`,
    );
  }
  const id = given.get('id');
  if (id !== undefined) {
    if (given.has('from') || given.has('to')) throw new ApiHttpError(400, 'id cannot be combined with from or to');
    return { mode: 'id', id: parseId(id) };
  }
  const range = parseRange(given.get('from'), given.get('to'));
  const cookie = given.get('cookie');
  if (cookie !== undefined) return { mode: 'cookie', cookie: parseCookie(cookie), range };
  return {
    mode: 'latest',
    range,
    start: wholeNumber('start', given.get('start'), 0, RECORDS_MAX_START, 0),
    length: wholeNumber('length', given.get('length'), 1, RECORDS_MAX_LENGTH, RECORDS_DEFAULT_LENGTH),
  };
}

function parseCookie(value: string): string {
  // The token endpoints' rule: no other cookie can have records, and every cookie a token took can be looked up.
  if (value.length === 0 || !fitsSafeText(value, MAX_COOKIE_CHARS)) {
    throw new ApiHttpError(400, `cookie must be 1 to ${MAX_COOKIE_CHARS} characters, as in a token request`);
  }
  return value;
}

function parseId(value: string): bigint {
  if (!/^[1-9][0-9]{0,18}$/.test(value) || BigInt(value) > MAX_ID)
    throw new ApiHttpError(400, 'id must be a record id (a positive whole number)');
  return BigInt(value);
}

function wholeNumber(name: string, value: string | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = /^[0-9]{1,7}$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw new ApiHttpError(400, `${name} must be a whole number from ${min} to ${max}`);
  return n;
}

function parseRange(from: string | undefined, to: string | undefined): TimeRange {
  const range = {
    from: from === undefined ? undefined : parseTime('from', from),
    to: to === undefined ? undefined : parseTime('to', to),
  };
  if (range.from && range.to && range.from >= range.to) throw new ApiHttpError(400, 'from must be before to');
  return range;
}

function parseTime(name: string, value: string): Date {
  const time = readRangeTime(name, value);
  if (typeof time === 'string') throw new ApiHttpError(400, time);
  return time;
}
