import type { Pool } from 'pg';
import { cloneTestDatabase, startTcpProxy, type TcpProxy, type TestDatabase } from '../testing';
import type { AuditEventInput } from '../src/audit/audit-event';
import { AuditWriter } from '../src/audit/audit-writer';
import { RedemptionLedger } from '../src/audit/redemption-ledger';
import { createPool, createPrismaClient, STATEMENT_GRACE_MS } from '../src/client';
import {
  DatabaseUnavailableError,
  databaseUnavailableReason,
  isDatabaseUnavailable,
} from '../src/database-unavailable';
import type { PrismaClient } from '../src/generated/client';

const TIMEOUTS = { connectTimeoutMs: 300, acquireTimeoutMs: 400, statementTimeoutMs: 400 };
/** The longest one statement may take to fail: a connection, then the statement and the client's grace. */
const BUDGET_MS = TIMEOUTS.acquireTimeoutMs + TIMEOUTS.statementTimeoutMs + STATEMENT_GRACE_MS;
/** Timers on a busy machine fire late. */
const SLACK_MS = 400;

/** How `promise` failed and how long it took. */
async function failure(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('expected a failure');
}

const event = (i: number, accountNumber: number | null = null): AuditEventInput => ({
  kind: 'redemption',
  drm: 'wv',
  environment: 'test',
  accountNumber,
  tokenId: `unavailable-${i}`,
  kid: null,
  cookie: 'unavailable',
  resultCode: 0,
  message: null,
  clientAddress: '127.0.0.1',
  userAgent: 'jest',
  device: null,
});

describe('a database that is down or not answering (real Postgres behind a TCP proxy)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let pool: Pool;
  let prisma: PrismaClient;
  let direct: Pool;

  beforeAll(async () => {
    db = await cloneTestDatabase();
    proxy = await startTcpProxy({ target: db.url });
    pool = createPool({ connectionString: proxy.url(db.url), poolSize: 2, ...TIMEOUTS });
    prisma = createPrismaClient(pool);
    direct = createPool({ connectionString: db.url, poolSize: 2 });
  });
  afterEach(() => proxy.resume());
  afterAll(async () => {
    await prisma?.$disconnect();
    await pool?.end();
    await direct?.end();
    await proxy?.close();
    await db?.drop();
  });

  it('a statement over the server statement_timeout: 57014, from pg and through Prisma', async () => {
    const raw = await failure(pool.query('SELECT pg_sleep(5)'));
    expect((raw.error as { code?: string }).code).toBe('57014');
    expect(databaseUnavailableReason(raw.error)).toBe('57014 query_canceled (statement timeout)');
    expect(raw.ms).toBeLessThan(TIMEOUTS.statementTimeoutMs + SLACK_MS);
    const wrapped = await failure(prisma.$queryRaw`SELECT pg_sleep(5)`);
    expect(wrapped.error).toHaveProperty('code', 'P2010');
    expect(databaseUnavailableReason(wrapped.error)).toBe('57014 query_canceled (statement timeout)');
  });

  it('frozen: every query fails within the budget, however many wait, and all answer again after resume', async () => {
    await pool.query('SELECT 1'); // a pooled connection that the freeze catches mid-life
    await proxy.freeze();
    const attempts = [
      ...Array.from({ length: 4 }, () => failure(pool.query('SELECT 1'))),
      failure(prisma.account.findUnique({ where: { number: 1 } })),
      failure(prisma.$transaction([prisma.account.count()])),
    ];
    for (const { error, ms } of await Promise.all(attempts)) {
      expect(isDatabaseUnavailable(error)).toBe(true);
      expect(ms).toBeLessThan(BUDGET_MS + SLACK_MS);
    }
    await proxy.resume();
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(await prisma.account.count()).toBe(0);
    expect(await prisma.$transaction([prisma.account.count()])).toEqual([0]);
  });

  it('refused: ECONNREFUSED at once, from pg and through Prisma; then back', async () => {
    await proxy.refuse();
    // A pooled connection that the refusal cut may be handed out before its close is seen: that one is lost.
    expect(databaseUnavailableReason((await failure(pool.query('SELECT 1'))).error)).toMatch(
      /^(ECONNREFUSED|connection lost)$/,
    );
    const raw = await failure(pool.query('SELECT 1'));
    expect(databaseUnavailableReason(raw.error)).toBe('ECONNREFUSED');
    const wrapped = await failure(prisma.account.findUnique({ where: { number: 1 } }));
    expect(databaseUnavailableReason(wrapped.error)).toMatch(/database not reachable/);
    expect(raw.ms + wrapped.ms).toBeLessThan(SLACK_MS);
    await proxy.resume();
    expect(await prisma.account.count()).toBe(0);
  });

  it('the audit writer refuses every waiting write while frozen (queued ones too) and writes again after resume', async () => {
    const writer = new AuditWriter(pool, { maxWaitMs: TIMEOUTS.acquireTimeoutMs });
    await proxy.freeze();
    const attempts: Array<Promise<{ error: unknown; ms: number }>> = [];
    // Three ticks: two batches in flight, the third waits for a free slot.
    for (let tick = 0; tick < 3; tick++) {
      for (let i = 0; i < 5; i++) attempts.push(failure(writer.write(event(tick * 10 + i))));
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const { error, ms } of await Promise.all(attempts)) {
      expect(isDatabaseUnavailable(error)).toBe(true);
      expect(ms).toBeLessThan(BUDGET_MS + SLACK_MS);
    }
    await proxy.resume();
    await Promise.all([writer.write(event(100)), writer.write(event(101))]);
    const { rows } = await direct.query(
      "SELECT token_id FROM audit_events WHERE token_id IN ('unavailable-100', 'unavailable-101')",
    );
    expect(rows).toHaveLength(2);
  });

  it('a batch blocked by a stuck lock is cancelled by the server (57014), and the ledger recovers', async () => {
    const account = await prisma.account.create({ data: { number: 654321, name: 'locked', credits: 5n } });
    const ledger = new RedemptionLedger(pool, { maxWaitMs: TIMEOUTS.acquireTimeoutMs });
    const holder = await direct.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM accounts WHERE id = $1 FOR UPDATE', [account.id]);
      const blocked = await failure(ledger.redeem(account.number, event(200, account.number)));
      expect(databaseUnavailableReason(blocked.error)).toBe('57014 query_canceled (statement timeout)');
      expect(blocked.ms).toBeLessThan(BUDGET_MS + SLACK_MS);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    expect(await ledger.redeem(account.number, event(201, account.number))).toBe('granted');
    const { rows } = await direct.query('SELECT credits::int AS credits FROM accounts WHERE id = $1', [account.id]);
    expect(rows[0].credits).toBe(4);
  });

  it('a backend the server terminates under a statement (57P01): unavailable, from pg and through Prisma', async () => {
    // Timeouts far above the test's: the statement must still be running when its backend is terminated.
    const patient = createPool({ connectionString: db.url, poolSize: 1, statementTimeoutMs: 60_000 });
    const patientPrisma = createPrismaClient(patient);
    try {
      const terminateUnder = async (statement: Promise<unknown>, tag: string) => {
        const outcome = failure(statement);
        // The backend is terminated once its statement runs (pg_stat_activity says so), not after a guessed delay.
        for (;;) {
          const { rows } = await direct.query<{ pid: number }>(
            "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()",
            [`%${tag}%`],
          );
          if (rows.length === 1) {
            await direct.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return (await outcome).error;
      };
      const raw = await terminateUnder(patient.query("SELECT pg_sleep(30), 'raw-57P01'"), 'raw-57P01');
      expect(raw).toHaveProperty('code', '57P01');
      expect(databaseUnavailableReason(raw)).toBe('57P01 admin_shutdown');
      const wrapped = await terminateUnder(
        patientPrisma.$queryRaw`SELECT pg_sleep(30), 'prisma-57P01'`,
        'prisma-57P01',
      );
      expect(wrapped).toHaveProperty('code', 'P2010');
      expect(databaseUnavailableReason(wrapped)).toBe('57P01 admin_shutdown');
      // The pool replaces the terminated connection.
      expect((await patient.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await patientPrisma.$disconnect();
      await patient.end();
    }
  });

  it('other failures are not "unavailable": a constraint, a syntax error, a plain error', async () => {
    await prisma.account.create({ data: { number: 111111, name: 'one', credits: 1n } });
    const duplicate = await failure(prisma.account.create({ data: { number: 111111, name: 'two', credits: 1n } }));
    expect(duplicate.error).toHaveProperty('code', 'P2002');
    expect(isDatabaseUnavailable(duplicate.error)).toBe(false);
    expect(isDatabaseUnavailable((await failure(pool.query('SELEC 1'))).error)).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});

describe('databaseUnavailableReason', () => {
  const pgError = (code: string) => Object.assign(new Error('server message'), { code, severity: 'FATAL' });

  it.each([
    ['57P01', '57P01 admin_shutdown'],
    ['57P03', '57P03 cannot_connect_now'],
    ['53300', '53300 too_many_connections'],
    ['08006', '08006 connection exception'],
    ['08P01', '08P01 connection exception'],
    ['ECONNRESET', 'ECONNRESET'],
    ['ETIMEDOUT', 'ETIMEDOUT'],
  ])('reads %s from pg', (code, reason) => {
    expect(databaseUnavailableReason(pgError(code))).toBe(reason);
  });

  it("reads pg's and pg-pool's code-less timeouts and lost connections", () => {
    expect(databaseUnavailableReason(new Error('Query read timeout'))).toBe('query timeout');
    expect(databaseUnavailableReason(new Error('timeout exceeded when trying to connect'))).toBe(
      'timed out waiting for a pooled connection',
    );
    expect(databaseUnavailableReason(new Error('Connection terminated unexpectedly'))).toBe('connection lost');
  });

  it("reads through Prisma's wrapping and causes, and its own errors", () => {
    const adapterError = { name: 'DriverAdapterError', cause: { originalCode: '57P01', kind: 'postgres' } };
    expect(databaseUnavailableReason({ code: 'P2010', meta: { driverAdapterError: adapterError } })).toBe(
      '57P01 admin_shutdown',
    );
    expect(databaseUnavailableReason(new Error('wrapped', { cause: pgError('53300') }))).toBe(
      '53300 too_many_connections',
    );
    expect(databaseUnavailableReason({ code: 'P1001' })).toBe('P1001 database not reachable');
    expect(databaseUnavailableReason(new DatabaseUnavailableError('no batch took the write'))).toBe(
      'no batch took the write',
    );
  });

  it('leaves other SQLSTATEs and codes alone', () => {
    for (const code of ['23505', '42601', '40001', 'P2002', 'ENOENT', 'FST_ERR_CTP_INVALID_MEDIA_TYPE']) {
      expect(databaseUnavailableReason(pgError(code))).toBeNull();
    }
  });
});
