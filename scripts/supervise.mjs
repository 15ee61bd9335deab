// The supervisor of `npm start`: runs each app as a child process and restarts one that dies, so that a crash of one
// app leaves the other serving. A development convenience: production deployments use their platform's supervisor
// (the compose file's `restart:` policy, systemd's Restart=, Kubernetes), which also survives the host rebooting.
import { spawn } from 'node:child_process';

export const DEFAULTS = Object.freeze({
  /** The first restart waits this long; each further crash in a row doubles it, up to maxDelayMs. */
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  /** An app that ran this long before dying was healthy: its back-off starts again from initialDelayMs. */
  healthyAfterMs: 60_000,
  /** Crashes in a row, each before healthyAfterMs, after which the app is left down (onGiveUp). */
  maxFastCrashes: 10,
  /** Exit codes not worth a restart: the apps exit 2 on an invalid configuration, which a restart repeats. */
  permanentExitCodes: [2],
  /** stop(): how long an app may take to finish after SIGTERM before it is killed. */
  stopGraceMs: 10_000,
});

/** The wait before restarting after `crashes` fast crashes in a row (1 for the first). */
export function restartDelay(crashes, { initialDelayMs, maxDelayMs } = DEFAULTS) {
  return Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, crashes - 1));
}

/**
 * Starts every app ({ name, command, args, options } as for child_process.spawn) and keeps it running.
 * `log(line)` hears of each crash and restart; `onGiveUp(name, reason)` is called when an app is left down.
 * Returns { stop(), pid(name), restarts(name) }: stop() cancels pending restarts, sends SIGTERM to each app (SIGKILL
 * after stopGraceMs) and resolves when all have exited.
 */
export function supervise(apps, { log = () => undefined, onGiveUp = () => undefined, ...settings } = {}) {
  const config = { ...DEFAULTS, ...settings };
  let stopping = false;
  const states = new Map();

  const launch = (state) => {
    const { app } = state;
    const startedAt = Date.now();
    const child = spawn(app.command, app.args ?? [], app.options ?? {});
    state.child = child;
    child.on('error', (error) => log(`${app.name}: ${error.message}`));
    child.on('exit', (code, signal) => {
      state.child = null;
      if (stopping) return;
      const ranMs = Date.now() - startedAt;
      const how = signal ? `killed by ${signal}` : `exited with ${code}`;
      if (code !== null && config.permanentExitCodes.includes(code))
        return giveUp(state, `${how} (a configuration error: not restarted)`);
      state.fastCrashes = ranMs >= config.healthyAfterMs ? 1 : state.fastCrashes + 1;
      if (state.fastCrashes > config.maxFastCrashes) {
        return giveUp(
          state,
          `${how}; it crashed ${state.fastCrashes} times in a row, each within ${config.healthyAfterMs / 1000} s of starting`,
        );
      }
      const delay = restartDelay(state.fastCrashes, config);
      log(
        `${app.name} ${how} after ${(ranMs / 1000).toFixed(1)} s; restarting in ${delay} ms (crash ${state.fastCrashes} in a row)`,
      );
      state.timer = setTimeout(() => {
        state.timer = null;
        if (stopping) return;
        state.restarts += 1;
        launch(state);
      }, delay);
    });
  };

  const giveUp = (state, reason) => {
    state.gaveUp = true;
    log(`!!! GIVING UP on ${state.app.name}: ${reason}. It stays down.`);
    onGiveUp(state.app.name, reason);
  };

  for (const app of apps) {
    const state = { app, child: null, timer: null, fastCrashes: 0, restarts: 0, gaveUp: false };
    states.set(app.name, state);
    launch(state);
  }

  const stopOne = (state) =>
    new Promise((resolve) => {
      if (state.timer) clearTimeout(state.timer);
      state.timer = null;
      const child = state.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), config.stopGraceMs);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });

  return {
    stop: async () => {
      stopping = true;
      await Promise.all([...states.values()].map(stopOne));
    },
    pid: (name) => states.get(name)?.child?.pid ?? null,
    restarts: (name) => states.get(name)?.restarts ?? 0,
    gaveUp: (name) => states.get(name)?.gaveUp ?? false,
  };
}
