/**
 * Per-instance cache of lookups that may be a little stale (accounts: admin changes reach it through the account
 * change feed, and the TTL bounds staleness when the feed is down). Concurrent misses share one load; a failed load
 * is not cached; ttl 0 disables caching.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { readonly at: number; readonly value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  get(key: K, load: (key: K) => Promise<V>): Promise<V> {
    const now = Date.now();
    const cached = this.entries.get(key);
    if (cached && now - cached.at < this.ttlMs) return cached.value;
    const value = load(key);
    if (this.ttlMs > 0) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      const entry = { at: now, value };
      this.entries.set(key, entry);
      // Only this load's own entry: a newer one (after delete or expiry) must survive an older load's failure.
      value.catch(() => this.entries.get(key) === entry && this.entries.delete(key));
    }
    return value;
  }

  /** The next get of this key loads anew (a load already under way still answers the callers that awaited it). */
  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
