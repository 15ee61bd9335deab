import type { Pool } from 'pg';
import { cloneTestDatabase, type TestDatabase } from '../testing';
import { createPool, createPrismaClient } from '../src/client';
import type { PrismaClient } from '../src/generated/client';

/** A migrated database of its own for one test file, with a pool and a Prisma client on it. */
export function useDatabase(): { readonly pool: Pool; readonly prisma: PrismaClient; readonly url: string } {
  const state = {} as { db: TestDatabase; pool: Pool; prisma: PrismaClient };
  beforeAll(async () => {
    state.db = await cloneTestDatabase();
    state.pool = createPool({ connectionString: state.db.url, poolSize: 8 });
    state.prisma = createPrismaClient(state.pool);
  });
  afterAll(async () => {
    await state.prisma?.$disconnect();
    await state.pool?.end();
    await state.db?.drop();
  });
  return {
    get pool() {
      return state.pool;
    },
    get prisma() {
      return state.prisma;
    },
    get url() {
      return state.db.url;
    },
  };
}
