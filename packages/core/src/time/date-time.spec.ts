import { readDateTime } from './date-time';

describe('readDateTime', () => {
  it.each([
    ['2030-01-01T00:00:00Z', '2030-01-01T00:00:00.000Z', true],
    ['2030-01-01t00:00:00z', '2030-01-01T00:00:00.000Z', true],
    ['2030-01-01T05:30:00+05:30', '2030-01-01T00:00:00.000Z', false],
    ['2029-12-31T19:00:00-05:00', '2030-01-01T00:00:00.000Z', false],
    ['2030-01-01T00:00:00+00:00', '2030-01-01T00:00:00.000Z', false],
    ['2028-02-29T23:59:59.5Z', '2028-02-29T23:59:59.500Z', true],
    ['2028-02-29T23:59:59.123456789Z', '2028-02-29T23:59:59.123Z', true],
  ])('reads %s as %s', (value, iso, utc) => {
    const read = readDateTime(value);
    if (typeof read === 'string') throw new Error(`refused: ${read}`);
    expect(new Date(read.epochMilliseconds).toISOString()).toBe(iso);
    expect(read.epochSeconds).toBe(Math.floor(Date.parse(iso) / 1000));
    expect(read.utc).toBe(utc);
  });

  it('keeps years before 100 as written', () => {
    const read = readDateTime('0050-03-01T00:00:00Z');
    if (typeof read === 'string') throw new Error(`refused: ${read}`);
    expect(read.year).toBe(50);
    expect(new Date(read.epochMilliseconds).getUTCFullYear()).toBe(50);
  });

  it.each([
    ['2030-01-01 00:00:00Z', 'syntax'],
    ['2030-01-01T00:00:00', 'syntax'],
    ['2030-1-01T00:00:00Z', 'syntax'],
    ['2030-01-01T00:00:00.Z', 'syntax'],
    ['2030-01-01T00:00:00.1234567890Z', 'syntax'],
    ['', 'syntax'],
    ['2029-02-29T00:00:00Z', 'date'],
    ['2030-13-01T00:00:00Z', 'date'],
    ['2030-04-31T00:00:00Z', 'date'],
    ['2030-01-00T00:00:00Z', 'date'],
    ['2030-01-01T24:00:00Z', 'time'],
    ['2030-01-01T00:60:00Z', 'time'],
    ['2030-01-01T00:00:60Z', 'time'],
    ['2030-01-01T00:00:00+24:00', 'offset'],
    ['2030-01-01T00:00:00+01:60', 'offset'],
  ])('refuses %j (%s)', (value, problem) => {
    expect(readDateTime(value)).toBe(problem);
  });
});
