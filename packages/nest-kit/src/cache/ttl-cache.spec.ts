import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  it('shares one load within the TTL and reloads after it', async () => {
    jest.useFakeTimers({ now: 0 });
    const load = jest.fn(async (k: number) => k * 2);
    const cache = new TtlCache<number, number>(1000);
    expect(await Promise.all([cache.get(1, load), cache.get(1, load)])).toEqual([2, 2]);
    expect(load).toHaveBeenCalledTimes(1);
    jest.setSystemTime(1000);
    await cache.get(1, load);
    expect(load).toHaveBeenCalledTimes(2);
    jest.useRealTimers();
  });

  it('does not keep failures, and caches nothing with ttl 0', async () => {
    const cache = new TtlCache<string, string>(60_000);
    await expect(cache.get('a', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await cache.get('a', async () => 'up')).toBe('up');
    const none = new TtlCache<string, number>(0);
    let n = 0;
    await none.get('x', async () => ++n);
    await none.get('x', async () => ++n);
    expect(n).toBe(2);
  });
});

describe('TtlCache invalidation', () => {
  it('loads a deleted key anew, and every key after clear', async () => {
    const cache = new TtlCache<string, number>(60_000);
    let n = 0;
    const load = async () => ++n;
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('b', load)).toBe(2);
    cache.delete('a');
    expect(await cache.get('a', load)).toBe(3);
    expect(await cache.get('b', load)).toBe(2);
    cache.clear();
    expect(await cache.get('b', load)).toBe(4);
  });

  it('keeps a newer entry when an older load fails after the key was deleted', async () => {
    const cache = new TtlCache<string, string>(60_000);
    let fail!: (error: Error) => void;
    const old = cache.get('a', () => new Promise<string>((_resolve, reject) => (fail = reject)));
    cache.delete('a');
    expect(await cache.get('a', async () => 'new')).toBe('new');
    fail(new Error('down'));
    await expect(old).rejects.toThrow('down');
    expect(await cache.get('a', async () => 'newer')).toBe('new');
  });
});
