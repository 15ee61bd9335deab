import { ExpressPlayError } from '../errors';
import { readDateTime } from '../time/date-time';

/** Spec §2.4: the longest a token may live, and how long it lives when `expirationTime` is absent. */
export const MAX_TOKEN_LIFETIME_SECONDS = 30 * 86_400;

// The longest valid form is `YYYY-MM-DDThh:mm:ss.fffffffffZ` (30 characters); the bound keeps huge values off the regexes.
const MAX_LENGTH = 40;
const RELATIVE = /^[+ ]([0-9]{1,10})$/;

function invalid(details: string): ExpressPlayError {
  return new ExpressPlayError(-2002, details);
}

/**
 * The token's expiry in Unix seconds, from `expirationTime` (null when absent) at `nowSeconds` (fractions dropped).
 * `+N` and ` N` (an unencoded `+` decoded to a space) are N seconds from now; an RFC 3339 date-time in UTC is
 * absolute, its fraction of a second dropped. The result lies in (now, now + 30 days]; anything else is -2002.
 */
export function parseExpirationTime(value: string | null, nowSeconds: number): number {
  if (!Number.isFinite(nowSeconds)) throw new RangeError('nowSeconds must be a finite number');
  const now = Math.floor(nowSeconds);
  if (value === null) return now + MAX_TOKEN_LIFETIME_SECONDS;
  if (value.length === 0) throw invalid('empty value');
  if (value.length > MAX_LENGTH) throw invalid(`longer than ${MAX_LENGTH} characters`);

  const relative = RELATIVE.exec(value);
  if (relative) return withinLifetime(now + Number(relative[1]), now);

  const absolute = readDateTime(value);
  if (typeof absolute !== 'string') {
    if (!absolute.utc) throw invalid('time zone must be Z (UTC)');
    return withinLifetime(absolute.epochSeconds, now);
  }
  if (absolute === 'offset') throw invalid('time zone must be Z (UTC)');
  if (absolute === 'date') throw invalid('no such date');
  if (absolute === 'time') throw invalid('no such time of day');

  throw invalid('expected an RFC 3339 UTC date-time such as 2006-04-14T12:01:10Z, or +<seconds> (send + as %2B)');
}

function withinLifetime(expiresAt: number, now: number): number {
  if (expiresAt <= now) throw invalid('must be in the future');
  if (expiresAt - now > MAX_TOKEN_LIFETIME_SECONDS) throw invalid('must be at most 30 days (2592000 seconds) from now');
  return expiresAt;
}
