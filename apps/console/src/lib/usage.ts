// Shapes the usage API's hourly rows (GET /admin/usage, GET /cmiapi/usage; docs/api.md) into what the console draws:
// time series over even buckets, totals, burn rate and time to exhaustion. Pure functions, unit-tested.

export type Drm = 'wv' | 'fp' | 'ck';

/** One hour of one DRM, as the API answers it. */
export interface UsageHour {
  hour: string;
  drm: Drm;
  tokens: number;
  licenses: number;
  refusals: Record<string, number>;
  devicesByLevel: Record<string, number>;
}

export interface Usage {
  account: number | null;
  from: string;
  to: string;
  /** The balance now; null: unlimited (or all accounts summed). */
  credits: number | null;
  hours: UsageHour[];
}

export type BucketSize = 'hour' | 'day';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Hours up to three days, days beyond: a chart keeps between a few and a few hundred points. */
export function bucketSizeFor(from: Date, to: Date): BucketSize {
  return to.getTime() - from.getTime() <= 3 * DAY_MS ? 'hour' : 'day';
}

function bucketStart(ms: number, size: BucketSize): number {
  const step = size === 'hour' ? HOUR_MS : DAY_MS;
  return Math.floor(ms / step) * step;
}

/** A named line of a chart; `values` has one number per bucket of its `TimeSeries`. */
export interface Series {
  label: string;
  values: number[];
}

/** What a chart draws: bucket starts in Unix seconds (uPlot's x scale) and the series over them. */
export interface TimeSeries {
  bucket: BucketSize;
  times: number[];
  series: Series[];
}

/** The bucket starts from `from` up to (not including) `to`, every bucket present so that gaps draw as zeros. */
export function bucketTimes(from: Date, to: Date, size: BucketSize): number[] {
  const step = size === 'hour' ? HOUR_MS : DAY_MS;
  const times: number[] = [];
  for (let t = bucketStart(from.getTime(), size); t < to.getTime(); t += step) times.push(t / 1000);
  return times;
}

/**
 * Sums what `pick` names in each row into buckets, one series per name; names come sorted so that colours stay put
 * between refreshes. Rows outside the range are left out.
 */
function seriesOf(
  usage: Usage,
  size: BucketSize,
  pick: (row: UsageHour) => Array<[string, number]>,
  order?: string[],
): TimeSeries {
  const times = bucketTimes(new Date(usage.from), new Date(usage.to), size);
  const index = new Map(times.map((t, i) => [t, i]));
  const byName = new Map<string, number[]>();
  for (const name of order ?? []) byName.set(name, new Array<number>(times.length).fill(0));
  for (const row of usage.hours) {
    const i = index.get(bucketStart(Date.parse(row.hour), size) / 1000);
    if (i === undefined) continue;
    for (const [name, count] of pick(row)) {
      let values = byName.get(name);
      if (values === undefined) byName.set(name, (values = new Array<number>(times.length).fill(0)));
      values[i] += count;
    }
  }
  const names = order ?? [...byName.keys()].sort(compareNames);
  return { bucket: size, times, series: names.map((label) => ({ label, values: byName.get(label)! })) };
}

/** Numeric codes in numeric order (-2019 before -4010 before -9002), other names alphabetically. */
function compareNames(a: string, b: string): number {
  const [x, y] = [Number(a), Number(b)];
  if (Number.isFinite(x) && Number.isFinite(y)) return Math.abs(x) - Math.abs(y);
  return a.localeCompare(b);
}

function sum(record: Record<string, number>): number {
  return Object.values(record).reduce((total, n) => total + n, 0);
}

/** Licenses, tokens and refusals (all codes) per bucket. */
export function activitySeries(usage: Usage, size: BucketSize): TimeSeries {
  return seriesOf(
    usage,
    size,
    (row) => [
      ['licenses', row.licenses],
      ['tokens', row.tokens],
      ['refusals', sum(row.refusals)],
    ],
    ['licenses', 'tokens', 'refusals'],
  );
}

/** One series per refusal code. */
export function refusalSeries(usage: Usage, size: BucketSize): TimeSeries {
  return seriesOf(usage, size, (row) => Object.entries(row.refusals));
}

/** One series per DRM and security level (`wv L1`, `fp …`): the devices that got licenses. */
export function deviceSeries(usage: Usage, size: BucketSize): TimeSeries {
  return seriesOf(usage, size, (row) =>
    Object.entries(row.devicesByLevel).map(([level, count]) => [`${row.drm} ${level}`, count]),
  );
}

/** Each series' total over the range, in the series' order. */
export function totals(series: TimeSeries): Record<string, number> {
  return Object.fromEntries(series.series.map((s) => [s.label, s.values.reduce((a, b) => a + b, 0)]));
}

export interface BurnRate {
  /** Licenses delivered over the range: each spends one credit. */
  licenses: number;
  hours: number;
  perHour: number;
  perDay: number;
  /** Balance now; null: unlimited. */
  credits: number | null;
  /** Hours until the balance reaches 0 at this rate; null: unlimited or nothing spent. */
  hoursToExhaustion: number | null;
}

/** Credits are spent per license: the range's licenses over its length, and how long the balance lasts at that rate. */
export function burnRate(usage: Usage): BurnRate {
  const hours = Math.max((Date.parse(usage.to) - Date.parse(usage.from)) / HOUR_MS, 1 / 60);
  const licenses = usage.hours.reduce((total, row) => total + row.licenses, 0);
  const perHour = licenses / hours;
  const hoursToExhaustion = usage.credits === null || perHour === 0 ? null : usage.credits / perHour;
  return { licenses, hours, perHour, perDay: perHour * 24, credits: usage.credits, hoursToExhaustion };
}

/** "3 h", "4.5 days", "2 years": a person's reading of a duration in hours. */
export function formatDuration(hours: number | null): string {
  if (hours === null) return 'never at this rate';
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} min`;
  if (hours < 48) return `${round(hours)} h`;
  if (hours < 24 * 730) return `${round(hours / 24)} days`;
  return `${round(hours / (24 * 365))} years`;
}

function round(n: number): string {
  return n >= 10 ? String(Math.round(n)) : String(Math.round(n * 10) / 10);
}

/** The time range of a preset ending now: `to` is the next full hour so that the current hour shows. */
export function rangeEndingNow(days: number, now = new Date()): { from: Date; to: Date } {
  const to = new Date(Math.ceil((now.getTime() + 1) / HOUR_MS) * HOUR_MS);
  return { from: new Date(to.getTime() - days * DAY_MS), to };
}
