/**
 * When the cluster primary restarts a worker that died, and when it gives up. The same policy as the supervisor of
 * `npm start` (scripts/supervise.mjs), applied per worker slot.
 */
export interface RestartPolicy {
  /** The first restart waits this long; each further crash in a row doubles it, up to maxDelayMs. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** A worker that ran this long before dying was healthy: its back-off starts again from initialDelayMs. */
  readonly healthyAfterMs: number;
  /** Crashes in a row of one slot, each before healthyAfterMs, after which the primary gives up. */
  readonly maxFastCrashes: number;
  /** Exit codes a restart would only repeat: the apps exit 2 when they cannot be built (a configuration error). */
  readonly permanentExitCodes: readonly number[];
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = Object.freeze({
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  healthyAfterMs: 60_000,
  maxFastCrashes: 10,
  permanentExitCodes: Object.freeze([2]),
});

export type AfterExit =
  | { readonly action: 'restart'; readonly delayMs: number; readonly fastCrashes: number; readonly how: string }
  | { readonly action: 'give-up'; readonly reason: string };

/** What to do about a worker that exited on its own after running `ranMs`, its slot having crashed `fastCrashes` times in a row before. */
export function afterWorkerExit(
  exit: {
    readonly code: number | null;
    readonly signal: string | null;
    readonly ranMs: number;
    readonly fastCrashes: number;
  },
  policy: RestartPolicy = DEFAULT_RESTART_POLICY,
): AfterExit {
  const how = exit.signal ? `killed by ${exit.signal}` : `exited with ${exit.code}`;
  if (exit.code !== null && policy.permanentExitCodes.includes(exit.code))
    return { action: 'give-up', reason: `${how} (it cannot start: a restart would only repeat it)` };
  const fastCrashes = exit.ranMs >= policy.healthyAfterMs ? 1 : exit.fastCrashes + 1;
  if (fastCrashes > policy.maxFastCrashes) {
    return {
      action: 'give-up',
      reason: `${how}; it crashed ${fastCrashes} times in a row, each within ${policy.healthyAfterMs / 1000} s of starting`,
    };
  }
  const delayMs = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (fastCrashes - 1));
  return { action: 'restart', delayMs, fastCrashes, how };
}
