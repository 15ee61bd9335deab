/**
 * Per-instance cache of lookups that may be a little stale (accounts: admin changes take effect within
 * the TTL). Concurrent misses share one load; a failed load is not cached; ttl 0 disables caching.
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
      this.entries.set(key, { at: now, value });
      value.catch(() => this.entries.delete(key));
    }
    return value;
  }
}
