import { afterWorkerExit, DEFAULT_RESTART_POLICY } from './restart-policy';

describe('afterWorkerExit', () => {
  it('restarts a crashed worker after a delay that doubles with each fast crash, up to the maximum', () => {
    const delays: number[] = [];
    let fastCrashes = 0;
    for (let crash = 0; crash < 8; crash++) {
      const next = afterWorkerExit({ code: 1, signal: null, ranMs: 100, fastCrashes });
      if (next.action !== 'restart') throw new Error(`gave up after ${crash} crashes`);
      delays.push(next.delayMs);
      fastCrashes = next.fastCrashes;
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it('starts the back-off again for a worker that ran healthily before dying, and names the signal', () => {
    const next = afterWorkerExit({ code: null, signal: 'SIGKILL', ranMs: 60_000, fastCrashes: 7 });
    expect(next).toEqual({ action: 'restart', delayMs: 500, fastCrashes: 1, how: 'killed by SIGKILL' });
  });

  it('gives up on a slot that keeps crashing right after start, saying why', () => {
    const next = afterWorkerExit({
      code: 1,
      signal: null,
      ranMs: 200,
      fastCrashes: DEFAULT_RESTART_POLICY.maxFastCrashes,
    });
    expect(next).toEqual({
      action: 'give-up',
      reason: 'exited with 1; it crashed 11 times in a row, each within 60 s of starting',
    });
  });

  it('gives up at once on a worker that cannot start (exit 2), since a restart repeats it', () => {
    expect(afterWorkerExit({ code: 2, signal: null, ranMs: 5_000_000, fastCrashes: 0 })).toEqual({
      action: 'give-up',
      reason: 'exited with 2 (it cannot start: a restart would only repeat it)',
    });
  });
});
