/**
 * RFC 3339 `date-time` (§5.6), read once for every caller: token expiry, key store expiration, record time ranges.
 * Callers decide what they accept (UTC only, years from 1970) and how they word the refusal; this module only says
 * whether the text is a real instant and which part of it is wrong.
 */

// `t`/`z` are allowed lower-case by RFC 3339 §5.6. Offsets are matched whole so that a caller can refuse them precisely.
const DATE_TIME =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?([Zz]|[+-][0-9]{2}:[0-9]{2})$/;

export interface DateTime {
  /** The instant in milliseconds since the Unix epoch; digits past the millisecond are dropped. */
  readonly epochMilliseconds: number;
  /** The instant in whole seconds since the Unix epoch (the fraction dropped). */
  readonly epochSeconds: number;
  readonly year: number;
  /** True when the offset is `Z`; `+00:00` and `-00:00` are offsets, as RFC 3339 §4.3 distinguishes them. */
  readonly utc: boolean;
}

/** Why a text is not an RFC 3339 date-time: its shape, its date, its time of day, or its offset. */
export type DateTimeProblem = 'syntax' | 'date' | 'time' | 'offset';

export function readDateTime(value: string): DateTime | DateTimeProblem {
  const match = DATE_TIME.exec(value);
  if (!match) return 'syntax';
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return 'date';
  // RFC 3339 allows second 60 for leap seconds; Unix time cannot represent them, so they are refused.
  if (hour > 23 || minute > 59 || second > 59) return 'time';
  const offset = match[8];
  const utc = offset === 'Z' || offset === 'z';
  let offsetMinutes = 0;
  if (!utc) {
    const offsetHours = Number(offset.slice(1, 3));
    const offsetRest = Number(offset.slice(4, 6));
    if (offsetHours > 23 || offsetRest > 59) return 'offset';
    offsetMinutes = (offset.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetRest);
  }
  const milliseconds = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3));
  // Date.UTC reads years 0-99 as 1900-1999; setUTCFullYear keeps them as written.
  const start = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, milliseconds));
  start.setUTCFullYear(year);
  const epochMilliseconds = start.getTime() - offsetMinutes * 60_000;
  return { epochMilliseconds, epochSeconds: Math.floor(epochMilliseconds / 1000), year, utc };
}

function daysInMonth(year: number, month: number): number {
  const end = new Date(Date.UTC(2000, month, 0));
  end.setUTCFullYear(year, month, 0);
  return end.getUTCDate();
}

/**
 * One end (`from` or `to`) of a query's time range: the time, or the reason it is refused, for each API to answer in
 * its own error shape (record retrieval, usage).
 */
export function readRangeTime(name: string, value: string): Date | string {
  const read = readDateTime(value);
  if (typeof read === 'string')
    return `${name} must be an RFC 3339 date-time with its offset, such as 2026-11-23T12:00:00Z`;
  return new Date(read.epochMilliseconds);
}
