import {
  activitySeries,
  bucketSizeFor,
  bucketTimes,
  burnRate,
  deviceSeries,
  formatDuration,
  rangeEndingNow,
  refusalSeries,
  totals,
  type Usage,
  type UsageHour,
} from './usage';

const row = (hour: string, drm: UsageHour['drm'], fields: Partial<UsageHour> = {}): UsageHour => ({
  hour,
  drm,
  tokens: 0,
  licenses: 0,
  refusals: {},
  devicesByLevel: {},
  ...fields,
});

// Three hours of a day, the middle one empty; Widevine and Clear Key in the first.
const usage: Usage = {
  account: 431907,
  from: '2026-12-05T09:00:00.000Z',
  to: '2026-12-05T12:00:00.000Z',
  credits: 1000,
  hours: [
    row('2026-12-05T09:00:00.000Z', 'wv', {
      tokens: 12,
      licenses: 40,
      refusals: { '-4010': 2, '-9002': 1 },
      devicesByLevel: { L1: 3, L3: 37 },
    }),
    row('2026-12-05T09:00:00.000Z', 'ck', { tokens: 1, licenses: 2, devicesByLevel: { none: 2 } }),
    row('2026-12-05T11:00:00.000Z', 'wv', {
      tokens: 5,
      licenses: 18,
      refusals: { '-2019': 4 },
      devicesByLevel: { L3: 18 },
    }),
  ],
};

const HOUR = 3600;
const T9 = Date.parse('2026-12-05T09:00:00.000Z') / 1000;

describe('bucketing', () => {
  it('takes hours up to three days and days beyond', () => {
    const from = new Date('2026-12-01T00:00:00Z');
    expect(bucketSizeFor(from, new Date('2026-12-04T00:00:00Z'))).toBe('hour');
    expect(bucketSizeFor(from, new Date('2026-12-04T01:00:00Z'))).toBe('day');
  });

  it('lists every bucket of the range, aligned to UTC hours or days, the end excluded', () => {
    expect(bucketTimes(new Date(usage.from), new Date(usage.to), 'hour')).toEqual([T9, T9 + HOUR, T9 + 2 * HOUR]);
    // A range starting mid-hour starts at that hour's bucket.
    expect(bucketTimes(new Date('2026-12-05T09:30:00Z'), new Date('2026-12-05T10:30:00Z'), 'hour')).toEqual([
      T9,
      T9 + HOUR,
    ]);
    const days = bucketTimes(new Date('2026-12-01T06:00:00Z'), new Date('2026-12-04T06:00:00Z'), 'day');
    expect(days.map((t) => new Date(t * 1000).toISOString())).toEqual([
      '2026-12-01T00:00:00.000Z',
      '2026-12-02T00:00:00.000Z',
      '2026-12-03T00:00:00.000Z',
      '2026-12-04T00:00:00.000Z',
    ]);
  });
});

describe('series', () => {
  it('sums the DRMs of an hour and draws an empty hour as zeros', () => {
    expect(activitySeries(usage, 'hour')).toEqual({
      bucket: 'hour',
      times: [T9, T9 + HOUR, T9 + 2 * HOUR],
      series: [
        { label: 'licenses', values: [42, 0, 18] },
        { label: 'tokens', values: [13, 0, 5] },
        { label: 'refusals', values: [3, 0, 4] },
      ],
    });
  });

  it('keeps the three series even with no rows, so that the chart has its legend', () => {
    const empty = activitySeries({ ...usage, hours: [] }, 'hour');
    expect(empty.series.map((s) => [s.label, s.values])).toEqual([
      ['licenses', [0, 0, 0]],
      ['tokens', [0, 0, 0]],
      ['refusals', [0, 0, 0]],
    ]);
  });

  it('gives one series per refusal code, in code order', () => {
    expect(refusalSeries(usage, 'hour').series).toEqual([
      { label: '-2019', values: [0, 0, 4] },
      { label: '-4010', values: [2, 0, 0] },
      { label: '-9002', values: [1, 0, 0] },
    ]);
  });

  it('gives one series per DRM and security level', () => {
    expect(deviceSeries(usage, 'hour').series).toEqual([
      { label: 'ck none', values: [2, 0, 0] },
      { label: 'wv L1', values: [3, 0, 0] },
      { label: 'wv L3', values: [37, 0, 18] },
    ]);
  });

  it('folds hours into days', () => {
    const week: Usage = { ...usage, from: '2026-12-01T00:00:00.000Z', to: '2026-12-08T00:00:00.000Z' };
    const daily = activitySeries(week, 'day');
    expect(daily.times).toHaveLength(7);
    expect(daily.series[0].values).toEqual([0, 0, 0, 0, 60, 0, 0]);
  });

  it('leaves out rows outside the range', () => {
    const late = { ...usage, hours: [...usage.hours, row('2026-12-05T12:00:00.000Z', 'wv', { licenses: 99 })] };
    expect(totals(activitySeries(late, 'hour'))).toEqual({ licenses: 60, tokens: 18, refusals: 7 });
  });
});

describe('burn rate', () => {
  it('spends a credit per license: licenses over the range, and how long the balance lasts', () => {
    // 60 licenses in 3 hours: 20 an hour; 1000 credits last 50 hours.
    expect(burnRate(usage)).toEqual({
      licenses: 60,
      hours: 3,
      perHour: 20,
      perDay: 480,
      credits: 1000,
      hoursToExhaustion: 50,
    });
  });

  it('never runs out when unlimited or when nothing was spent', () => {
    expect(burnRate({ ...usage, credits: null }).hoursToExhaustion).toBeNull();
    expect(burnRate({ ...usage, hours: [] }).hoursToExhaustion).toBeNull();
    expect(burnRate({ ...usage, credits: 0 }).hoursToExhaustion).toBe(0);
  });

  it('reads durations as a person would', () => {
    expect(formatDuration(null)).toBe('never at this rate');
    expect(formatDuration(0)).toBe('1 min');
    expect(formatDuration(0.5)).toBe('30 min');
    expect(formatDuration(3.25)).toBe('3.3 h');
    expect(formatDuration(50)).toBe('2.1 days');
    expect(formatDuration(24 * 400)).toBe('400 days');
    expect(formatDuration(24 * 365 * 3)).toBe('3 years');
  });
});

describe('rangeEndingNow', () => {
  it('ends at the next full hour so that the current hour shows, and spans the days asked', () => {
    const { from, to } = rangeEndingNow(1, new Date('2026-12-05T10:20:00Z'));
    expect([from.toISOString(), to.toISOString()]).toEqual(['2026-12-04T11:00:00.000Z', '2026-12-05T11:00:00.000Z']);
    // On the hour exactly: that hour has begun, so it is in the range.
    expect(rangeEndingNow(7, new Date('2026-12-05T10:00:00Z')).to.toISOString()).toBe('2026-12-05T11:00:00.000Z');
  });
});
