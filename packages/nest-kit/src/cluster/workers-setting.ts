import { availableParallelism } from 'node:os';

export const MAX_WORKERS = 256;

/**
 * WORKERS when unset: every available core in production (ENVIRONMENT or NODE_ENV), one process otherwise, so
 * development and tests keep a single process.
 */
export function defaultWorkers(environment: string | undefined, nodeEnv: unknown): number {
  const production = environment === 'production' || nodeEnv === 'production';
  return production ? Math.min(MAX_WORKERS, Math.max(1, availableParallelism())) : 1;
}
