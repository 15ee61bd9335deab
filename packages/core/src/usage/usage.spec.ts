import { hourOf, readUsageRange, usageHours } from './index';

const NOW = new Date('2026-12-05T10:30:00.000Z');

describe('readUsageRange', () => {
  it('defaults to the 24 hours before now, and from to 24 hours before a given to', () => {
    expect(readUsageRange(undefined, undefined, NOW)).toEqual({ from: new Date('2026-12-04T10:30:00.000Z'), to: NOW });
    expect(readUsageRange(undefined, '2026-12-01T00:00:00+01:00', NOW)).toEqual({
      from: new Date('2026-11-29T23:00:00.000Z'),
      to: new Date('2026-11-30T23:00:00.000Z'),
    });
  });

  it.each([
    ['yesterday', undefined, 'from must be an RFC 3339 date-time with its offset, such as 2026-11-23T12:00:00Z'],
    [
      undefined,
      '2026-12-05T10:00:00',
      'to must be an RFC 3339 date-time with its offset, such as 2026-11-23T12:00:00Z',
    ],
    ['2026-12-05T10:00:00Z', '2026-12-05T10:00:00Z', 'from must be before to'],
    ['2026-01-01T00:00:00Z', '2026-04-03T00:00:01Z', 'from and to must be at most 92 days apart'],
  ])('refuses from=%s to=%s', (from, to, reason) => {
    expect(readUsageRange(from, to, NOW)).toBe(reason);
  });

  it('takes exactly 92 days', () => {
    expect(readUsageRange('2026-01-01T00:00:00Z', '2026-04-03T00:00:00Z', NOW)).not.toEqual(expect.any(String));
  });
});

describe('usageHours', () => {
  it('folds counters into hours ascending, then wv, fp, ck, with refusals and levels by key', () => {
    const h9 = new Date('2026-12-05T09:00:00.000Z');
    const h8 = new Date('2026-12-05T08:00:00.000Z');
    expect(
      usageHours([
        { hour: h9, drm: 'wv', metric: 'licenses', count: 40 },
        { hour: h9, drm: 'ck', metric: 'tokens', count: 1 },
        { hour: h9, drm: 'wv', metric: 'refusal:-4010', count: 2 },
        { hour: h9, drm: 'wv', metric: 'level:L1', count: 3 },
        { hour: h9, drm: 'wv', metric: 'level:L3', count: 37 },
        { hour: h9, drm: 'wv', metric: 'tokens', count: 12 },
        { hour: h8, drm: 'fp', metric: 'refusal:-9002', count: 1 },
      ]),
    ).toEqual([
      { hour: h8.toISOString(), drm: 'fp', tokens: 0, licenses: 0, refusals: { '-9002': 1 }, devicesByLevel: {} },
      {
        hour: h9.toISOString(),
        drm: 'wv',
        tokens: 12,
        licenses: 40,
        refusals: { '-4010': 2 },
        devicesByLevel: { L1: 3, L3: 37 },
      },
      { hour: h9.toISOString(), drm: 'ck', tokens: 1, licenses: 0, refusals: {}, devicesByLevel: {} },
    ]);
  });

  it('keys hours by their start', () => {
    expect(hourOf(new Date('2026-12-05T09:59:59.999Z'))).toEqual(new Date('2026-12-05T09:00:00.000Z'));
  });
});
