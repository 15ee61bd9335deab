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
