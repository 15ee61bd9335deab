import type { AccountChangeFeed } from '@openplay/database';
import { TtlCache } from './ttl-cache';

/**
 * A cache of accounts by number that forgets an account as soon as the database says it changed, and forgets
 * everything when the feed may have missed changes. The TTL still applies: it is the bound while the feed is down.
 */
export function accountCache<V>(ttlMs: number, changes: AccountChangeFeed): TtlCache<number, V> {
  const cache = new TtlCache<number, V>(ttlMs);
  changes.subscribe({ changed: (number) => cache.delete(number), unknown: () => cache.clear() });
  return cache;
}
