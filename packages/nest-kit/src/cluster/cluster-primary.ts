import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { answerMetricsRequests } from './cluster-metrics';
import { afterWorkerExit, DEFAULT_RESTART_POLICY, type RestartPolicy } from './restart-policy';

export interface PrimaryOptions {
  /** The app's name, in log lines. */
  readonly name: string;
  readonly workers: number;
  readonly logger: Logger;
  readonly policy?: Partial<RestartPolicy>;
}

interface Slot {
  readonly number: number;
  worker: Worker | null;
  startedAt: number;
  fastCrashes: number;
  timer: NodeJS.Timeout | null;
}

/**
 * The cluster primary: forks `workers` copies of this script, which share the listening port (the primary accepts and
 * hands connections round-robin), restarts one that dies with back-off, and gives up loudly (exit 1) when one keeps
 * dying right after start. SIGTERM or SIGINT stops restarts and passes SIGTERM to every worker, which drains like a
 * single process does (stops accepting, answers its requests in flight, writes their audit rows) and exits; the
 * primary then exits 0, or 1 if a worker did not exit cleanly. A second signal kills the workers at once.
 */
export function runPrimary(options: PrimaryOptions): void {
  const policy = { ...DEFAULT_RESTART_POLICY, ...options.policy };
  const { logger, name } = options;
  const slots = new Map<number, Slot>();
  const slotOf = new Map<number, Slot>();
  let stopping = false;
  let exitCode = 0;

  const fork = (slot: Slot) => {
    slot.startedAt = Date.now();
    const worker = cluster.fork();
    slot.worker = worker;
    slotOf.set(worker.id, slot);
    logger.info({ worker: slot.number, workerPid: worker.process.pid }, `${name}: worker ${slot.number} started`);
  };

  const finishIfDone = () => {
    if (stopping && Object.keys(cluster.workers ?? {}).length === 0) {
      logger.info(`${name}: every worker has stopped`);
      process.exit(exitCode);
    }
  };

  const stop = (reason: string) => {
    if (stopping) {
      logger.warn(`${name}: ${reason} again: killing the workers without waiting for them`);
      exitCode = 1;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      return;
    }
    stopping = true;
    logger.info(`${name}: ${reason}: stopping the workers (each answers its requests in flight first)`);
    for (const slot of slots.values()) if (slot.timer) clearTimeout(slot.timer);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    finishIfDone();
  };

  cluster.on('exit', (worker, code, signal) => {
    const slot = slotOf.get(worker.id);
    slotOf.delete(worker.id);
    if (!slot) return;
    slot.worker = null;
    if (stopping) {
      if (code !== 0) exitCode = 1;
      return finishIfDone();
    }
    const ranMs = Date.now() - slot.startedAt;
    const next = afterWorkerExit({ code, signal, ranMs, fastCrashes: slot.fastCrashes }, policy);
    if (next.action === 'give-up') {
      logger.fatal(
        { worker: slot.number, workerPid: worker.process.pid },
        `!!! ${name}: GIVING UP: worker ${slot.number} ${next.reason}. Stopping the other workers and exiting 1.`,
      );
      exitCode = 1;
      return stop('giving up');
    }
    slot.fastCrashes = next.fastCrashes;
    logger.error(
      { worker: slot.number, workerPid: worker.process.pid, code, signal },
      `${name}: worker ${slot.number} ${next.how} after ${(ranMs / 1000).toFixed(1)} s; restarting it in ` +
        `${next.delayMs} ms (crash ${next.fastCrashes} in a row)`,
    );
    slot.timer = setTimeout(() => {
      slot.timer = null;
      if (!stopping) fork(slot);
    }, next.delayMs);
  });

  cluster.on('listening', (worker, address) => {
    const slot = slotOf.get(worker.id);
    logger.info(
      { worker: slot?.number, workerPid: worker.process.pid, port: address.port },
      `${name}: worker ${slot?.number} listening`,
    );
  });

  answerMetricsRequests();
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  for (let number = 1; number <= options.workers; number++) {
    const slot: Slot = { number, worker: null, startedAt: 0, fastCrashes: 0, timer: null };
    slots.set(number, slot);
    fork(slot);
  }
}
