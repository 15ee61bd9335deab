import { ExpressPlayError } from '../errors';
import { MAX_TOKEN_LIFETIME_SECONDS, parseExpirationTime } from './expiration-time';

// 2024-02-28T12:00:00Z: the day before a leap day.
const NOW = Date.UTC(2024, 1, 28, 12, 0, 0) / 1000;
const DAY = 86_400;

describe('parseExpirationTime', () => {
  it('defaults to 30 days', () => {
    expect(MAX_TOKEN_LIFETIME_SECONDS).toBe(30 * DAY);
    expect(parseExpirationTime(null, NOW)).toBe(NOW + 30 * DAY);
  });

  it.each<[string, number]>([
    ['+60', NOW + 60],
    ['+1', NOW + 1],
    [' 60', NOW + 60], // an unencoded + decoded to a space
    ['+0000000060', NOW + 60],
    [`+${30 * DAY}`, NOW + 30 * DAY],
    ['2024-02-28T12:00:01Z', NOW + 1],
    ['2024-02-29T00:00:00Z', NOW + 12 * 3600], // leap day
    ['2024-03-29T12:00:00Z', NOW + 30 * DAY], // exactly 30 days
    ['2024-03-01T00:00:00.999Z', NOW + 36 * 3600], // fractions of a second are dropped
    ['2024-03-01T00:00:00.123456789Z', NOW + 36 * 3600],
    ['2024-03-01t00:00:00z', NOW + 36 * 3600], // RFC 3339 §5.6 allows lower-case t and z
  ])('reads %j', (value, expiresAt) => {
    expect(parseExpirationTime(value, NOW)).toBe(expiresAt);
  });

  it('drops fractions of the current second', () => {
    expect(parseExpirationTime('+60', NOW + 0.9)).toBe(NOW + 60);
  });

  it.each<[string, string]>([
    ['', 'empty value'],
    ['+0', 'must be in the future'],
    [' 0', 'must be in the future'],
    [`+${30 * DAY + 1}`, 'at most 30 days'],
    ['+99999999999', 'expected'], // 11 digits
    ['2024-02-28T12:00:00Z', 'must be in the future'], // now
    ['2024-02-28T11:59:59Z', 'must be in the future'],
    ['2006-04-14T12:01:10Z', 'must be in the future'], // the spec's example, long past
    ['2024-02-28T12:00:00.999Z', 'must be in the future'], // within the current second
    ['2024-03-29T12:00:01Z', 'at most 30 days'],
    ['9999-12-31T23:59:59Z', 'at most 30 days'],
    ['2024-03-01T00:00:00+01:00', 'time zone must be Z'],
    ['2024-03-01T00:00:00-00:00', 'time zone must be Z'],
    ['2024-03-01T00:00:00', 'expected'],
    ['2024-03-01 00:00:00Z', 'expected'],
    ['2024-03-01', 'expected'],
    ['2024-3-01T00:00:00Z', 'expected'],
    ['2024-03-01T00:00:00.Z', 'expected'],
    ['2024-03-01T00:00:00.1234567890Z', 'expected'],
    ['2023-02-29T00:00:00Z', 'no such date'],
    ['2024-02-30T00:00:00Z', 'no such date'],
    ['2024-04-31T00:00:00Z', 'no such date'],
    ['2024-13-01T00:00:00Z', 'no such date'],
    ['2024-00-01T00:00:00Z', 'no such date'],
    ['2024-03-00T00:00:00Z', 'no such date'],
    ['2024-03-01T24:00:00Z', 'no such time of day'],
    ['2024-03-01T00:60:00Z', 'no such time of day'],
    ['2024-03-01T00:00:60Z', 'no such time of day'],
    ['60', 'expected'],
    ['+', 'expected'],
    ['+-60', 'expected'],
    ['-60', 'expected'],
    ['+ 60', 'expected'],
    ['  60', 'expected'],
    ['+60 ', 'expected'],
    ['+6e1', 'expected'],
    ['+٦٠', 'expected'], // Arabic-Indic digits are not ASCII digits
    ['tomorrow', 'expected'],
    ['+'.padEnd(41, '1'), 'longer than 40'],
  ])('refuses %j with -2002 (%s)', (value, details) => {
    expectRefused(value, details);
  });

  it.each([
    ['+ and a million digits', '+'.padEnd(1_000_000, '1')],
    ['a million digits', '2'.repeat(1_000_000)],
  ])('refuses %s quickly with -2002', (_label, value) => {
    const started = process.hrtime.bigint();
    expectRefused(value, 'longer than 40');
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(50);
  });

  function expectRefused(value: string, details: string): void {
    let thrown: unknown;
    try {
      parseExpirationTime(value, NOW);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ExpressPlayError);
    const error = thrown as ExpressPlayError;
    expect(error.code).toBe(-2002);
    expect(error.status).toBe(400);
    expect(error.details).toContain(details);
  }

  it('refuses a non-finite clock (a caller bug, not a request error)', () => {
    expect(() => parseExpirationTime('+60', Number.NaN)).toThrow(RangeError);
  });
});
