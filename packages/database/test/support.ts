import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { cloneTestDatabase, type TestDatabase } from '../testing';
import { createPool, createPrismaClient } from '../src/client';
import type { PrismaClient } from '../src/generated/client';
import type { AuditEventInput } from '../src/audit/audit-event';
import { AccountRepository } from '../src/accounts/account-repository';

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

/** An account serving every DRM, with `credits` (null: unlimited) and random authenticator hashes. */
export function createAccount(prisma: PrismaClient, credits: bigint | null, name = 'T') {
  return new AccountRepository(prisma).create({
    name,
    credits,
    widevineEnabled: true,
    fairplayAuthorized: true,
    fairplayEnabled: true,
    authenticatorHashes: { test: randomBytes(32), production: randomBytes(32) },
  });
}

/** The result codes of a token's audit rows and how many of each, in code order. */
export async function resultCodes(pool: Pool, tokenId: string): Promise<Array<{ result_code: number; n: number }>> {
  const { rows } = await pool.query<{ result_code: number; n: number }>(
    'SELECT result_code, count(*)::int AS n FROM audit_events WHERE token_id = $1 GROUP BY 1 ORDER BY 1',
    [tokenId],
  );
  return rows;
}

/** A Widevine license's redemption row of `tokenId`, with `fields` in place of the defaults. */
export function redemptionRow(
  accountNumber: number,
  tokenId: string,
  fields: Partial<AuditEventInput> = {},
): AuditEventInput {
  return {
    kind: 'redemption',
    drm: 'wv',
    environment: 'test',
    accountNumber,
    tokenId,
    kid: null,
    cookie: null,
    resultCode: 0,
    message: null,
    clientAddress: null,
    userAgent: null,
    requestType: 'new',
    ...fields,
  };
}
