import cluster from 'node:cluster';
import type { Metrics } from '../metrics/metrics';
import { clusterMetricsSource } from './cluster-metrics';

/** True in the process that should fork workers rather than serve: WORKERS above 1, and not itself a worker. */
export function isClusterPrimary(workers: number): boolean {
  return workers > 1 && cluster.isPrimary;
}

/**
 * How an app built in this process stops. A single process: Nest's shutdown hooks, as always. A cluster worker:
 * SIGTERM, SIGINT (a terminal sends it to the whole process group) or the primary's SIGTERM close the app once —
 * stop accepting, answer the requests in flight, flush the audit writer, close the pool — then exit 0; /metrics
 * renders the whole cluster's metrics.
 */
export function setUpProcessShutdown(
  app: { close(): Promise<void>; enableShutdownHooks(): unknown },
  metrics: Metrics,
  name: string,
): void {
  if (!cluster.isWorker) {
    app.enableShutdownHooks();
    return;
  }
  metrics.renderWith(clusterMetricsSource(metrics.registry));
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= app.close().then(
      () => process.exit(0),
      (error: Error) => {
        process.stderr.write(`${name}: worker ${process.pid} failed to close: ${error.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
}
