import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from './generated/client';

export interface DatabaseOptions {
  readonly connectionString: string;
  /** Connections in the pool shared by Prisma and the batched writers. */
  readonly poolSize?: number;
}

export function createPool({ connectionString, poolSize = 10 }: DatabaseOptions): Pool {
  const pool = new Pool({ connectionString, max: poolSize });
  // An idle client's network error must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/** One pool for everything: Prisma queries and the raw batched statements share the same connections. */
export function createPrismaClient(pool: Pool): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(pool) });
}
