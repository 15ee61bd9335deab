/** One counter of the hourly usage roll-up, as stored (summed over accounts for the all-accounts view). */
export interface UsageCounter {
  readonly hour: Date;
  readonly drm: string;
  /** `tokens`, `licenses`, `refusal:<code>` or `level:<L1|L2|L3>`. */
  readonly metric: string;
  readonly count: number;
}

/** One hour of one DRM's activity in the usage APIs' answer. */
export interface UsageHour {
  readonly hour: string;
  readonly drm: string;
  readonly tokens: number;
  readonly licenses: number;
  /** By result code (as a string key: "-4010"). */
  readonly refusals: Record<string, number>;
  /** Delivered licenses by the device's security level (Widevine: L1, L2, L3). */
  readonly devicesByLevel: Record<string, number>;
}

const DRM_ORDER = ['wv', 'fp', 'ck'];

/** Folds counters into the answer's hours: ascending by hour, then DRM (wv, fp, ck); only hours with a counter. */
export function usageHours(counters: readonly UsageCounter[]): UsageHour[] {
  const hours = new Map<string, UsageHour>();
  for (const { hour, drm, metric, count } of counters) {
    const key = `${hour.toISOString()} ${drm}`;
    let entry = hours.get(key);
    if (!entry) {
      entry = { hour: hour.toISOString(), drm, tokens: 0, licenses: 0, refusals: {}, devicesByLevel: {} };
      hours.set(key, entry);
    }
    const mutable = entry as { -readonly [K in keyof UsageHour]: UsageHour[K] };
    if (metric === 'tokens') mutable.tokens += count;
    else if (metric === 'licenses') mutable.licenses += count;
    else if (metric.startsWith('refusal:')) add(mutable.refusals, metric.slice('refusal:'.length), count);
    else if (metric.startsWith('level:')) add(mutable.devicesByLevel, metric.slice('level:'.length), count);
  }
  return [...hours.values()].sort(
    (a, b) => a.hour.localeCompare(b.hour) || DRM_ORDER.indexOf(a.drm) - DRM_ORDER.indexOf(b.drm),
  );
}

function add(counts: Record<string, number>, key: string, count: number): void {
  counts[key] = (counts[key] ?? 0) + count;
}
