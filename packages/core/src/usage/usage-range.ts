import { readRangeTime } from '../time/date-time';

/** The longest range one usage query covers: a quarter, at most 92 × 24 hours × 3 DRMs of counters per account. */
export const USAGE_MAX_DAYS = 92;
/** What `from` is when only `to` (or nothing) is given. */
export const USAGE_DEFAULT_HOURS = 24;

const HOUR_MS = 3_600_000;

/** The hours asked for: those starting at or after `from` (taken down to its hour) and before `to`. */
export interface UsageRange {
  readonly from: Date;
  readonly to: Date;
}

/**
 * Reads a usage query's `from` and `to` (RFC 3339 with an offset, either may be absent): `to` defaults to now, `from`
 * to `to` − 24 hours; `from` must be before `to`, at most 92 days apart. A string is the reason a range is refused,
 * for each API to answer in its own error shape.
 */
export function readUsageRange(
  from: string | undefined,
  to: string | undefined,
  now = new Date(),
): UsageRange | string {
  const end = to === undefined ? now : readRangeTime('to', to);
  if (typeof end === 'string') return end;
  const start =
    from === undefined ? new Date(end.getTime() - USAGE_DEFAULT_HOURS * HOUR_MS) : readRangeTime('from', from);
  if (typeof start === 'string') return start;
  if (start >= end) return 'from must be before to';
  if (end.getTime() - start.getTime() > USAGE_MAX_DAYS * 24 * HOUR_MS)
    return `from and to must be at most ${USAGE_MAX_DAYS} days apart`;
  return { from: start, to: end };
}

/** The start of the hour (UTC) a time falls in: the roll-up's keys. */
export function hourOf(time: Date): Date {
  return new Date(Math.floor(time.getTime() / HOUR_MS) * HOUR_MS);
}
