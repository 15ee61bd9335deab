import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AccountRepository, createPool, createPrismaClient, type PrismaClient } from '@openplay/database';
import { cloneTestDatabase, startTcpProxy, type TcpProxy, type TestDatabase } from '@openplay/database/testing';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Pool } from 'pg';
import { AdminCommands } from '../../src/admin/admin-commands';
import { validateTokenGenConfig, type TokenGenConfig } from '../../src/config/token-gen.config';
import { createTokenGenApp } from '../../src/main';

export const RIGHTS_URL = 'https://rights.example.test';

export interface TokenGenHarness {
  readonly baseUrl: string;
  readonly config: TokenGenConfig;
  readonly pool: Pool;
  readonly admin: AdminCommands;
  readonly app: NestFastifyApplication;
  /** With `throughProxy`: the TCP proxy between the app and its database (the harness's own pool goes direct). */
  readonly proxy: TcpProxy;
  /** The app's log lines, parsed (none unless `env` sets LOG_LEVEL). */
  readonly logs: ReadonlyArray<Record<string, unknown>>;
}

export interface HarnessOptions {
  /** Put a TCP proxy (pass/freeze/refuse/resume) between the app and the database. */
  readonly throughProxy?: boolean;
}

/** token-gen listening on a loopback port over its own migrated database, plus an admin to make accounts. */
export function useTokenGen(env: Record<string, string> = {}, options: HarnessOptions = {}): TokenGenHarness {
  const state = {} as TokenGenHarness & { db: TestDatabase; prisma: PrismaClient };
  beforeAll(async () => {
    state.db = await cloneTestDatabase();
    if (options.throughProxy) Object.assign(state, { proxy: await startTcpProxy({ target: state.db.url }) });
    const config = validateTokenGenConfig({
      DATABASE_URL: state.proxy?.url(state.db.url) ?? state.db.url,
      ENVIRONMENT: 'test',
      LOG_LEVEL: 'silent',
      RIGHTS_PUBLIC_URL: RIGHTS_URL,
      ACCOUNT_CACHE_TTL_MS: '0',
      ...env,
    });
    const logs: Array<Record<string, unknown>> = [];
    const app = await createTokenGenApp(config, logSink(logs));
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const pool = createPool({ connectionString: state.db.url, poolSize: 2 });
    state.prisma = createPrismaClient(pool);
    Object.assign(state, {
      app,
      logs,
      config,
      pool,
      baseUrl: `http://127.0.0.1:${port}`,
      admin: new AdminCommands(new AccountRepository(state.prisma), Buffer.from(config.AUTHENTICATOR_PEPPER, 'hex')),
    });
  });
  afterAll(async () => {
    await state.app?.close();
    await state.prisma?.$disconnect();
    await state.pool?.end();
    await state.proxy?.close();
    await state.db?.drop();
  });
  return new Proxy({} as TokenGenHarness, { get: (_target, key) => state[key as keyof typeof state] });
}

export async function auditRows(pool: Pool): Promise<Array<Record<string, unknown>>> {
  const { rows } = await pool.query('SELECT * FROM audit_events ORDER BY id');
  return rows;
}

/** A pino destination that keeps each JSON line, parsed, as the app writes it. */
export function logSink(into: Array<Record<string, unknown>>): Writable {
  return new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) into.push(JSON.parse(line));
      done();
    },
  });
}

/**
 * The access-log line of the request whose URL, as logged, starts with `path` (`lines` re-reads the log: the line
 * follows the answer, so it is awaited, a second at most).
 */
export async function accessLine(
  logs: ReadonlyArray<Record<string, unknown>>,
  path: string,
  lines: () => ReadonlyArray<Record<string, unknown>> = () => logs,
): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const line = lines().find(
      (l) => l.msg === 'request completed' && String((l.req as { url?: string } | undefined)?.url).startsWith(path),
    );
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no access-log line for ${path}`);
}
