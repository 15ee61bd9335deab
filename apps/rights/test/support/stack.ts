import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AccountRepository, createPool, createPrismaClient, type PrismaClient } from '@openplay/database';
import { cloneTestDatabase, startTcpProxy, type TcpProxy, type TestDatabase } from '@openplay/database/testing';
import { AdminCommands, createTokenGenApp, validateTokenGenConfig } from '@openplay/token-gen';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Pool } from 'pg';
import { type RightsConfig, validateRightsConfig } from '../../src/config/rights.config';
import { createCryptoImplementation } from '../../src/drm/drm.module';
import { createRightsApp } from '../../src/main';

export interface Stack {
  readonly tokenGenUrl: string;
  readonly rightsUrl: string;
  readonly rightsConfig: RightsConfig;
  readonly pool: Pool;
  readonly admin: AdminCommands;
  /** With `throughProxy`: the TCP proxy between both apps and their database (the stack's own pool goes direct). */
  readonly proxy: TcpProxy;
  /** The rights app's log lines, parsed (none unless `env` sets LOG_LEVEL). */
  readonly rightsLogs: ReadonlyArray<Record<string, unknown>>;
}

export interface StackOptions {
  /** Put a TCP proxy (pass/freeze/refuse/resume) between the apps and the database. */
  readonly throughProxy?: boolean;
  /** Settings of token-gen (ADMIN_API_KEY...). */
  readonly tokenGenEnv?: Record<string, string>;
}

/**
 * token-gen and rights on loopback ports over one migrated database of their own, wired as in production
 * (token-gen's RIGHTS_PUBLIC_URL is the rights server). `env` adds rights settings (Widevine roots, FairPlay credentials).
 */
export function useStack(env: () => Record<string, string> = () => ({}), options: StackOptions = {}): Stack {
  const state = {} as Stack & { db: TestDatabase; prisma: PrismaClient; apps: NestFastifyApplication[] };
  beforeAll(async () => {
    state.db = await cloneTestDatabase();
    if (options.throughProxy) Object.assign(state, { proxy: await startTcpProxy({ target: state.db.url }) });
    const common = {
      DATABASE_URL: state.proxy?.url(state.db.url) ?? state.db.url,
      ENVIRONMENT: 'test',
      LOG_LEVEL: 'silent',
      ACCOUNT_CACHE_TTL_MS: '0',
    };
    const rightsConfig = validateRightsConfig({ ...common, ...env() });
    const rightsLogs: Array<Record<string, unknown>> = [];
    const rights = await createRightsApp(rightsConfig, createCryptoImplementation(rightsConfig), logSink(rightsLogs));
    await rights.listen(0, '127.0.0.1');
    const rightsUrl = `http://127.0.0.1:${(rights.getHttpServer().address() as AddressInfo).port}`;
    const tokenGenConfig = validateTokenGenConfig({ ...common, ...options.tokenGenEnv, RIGHTS_PUBLIC_URL: rightsUrl });
    const tokenGen = await createTokenGenApp(tokenGenConfig);
    await tokenGen.listen(0, '127.0.0.1');
    const pool = createPool({ connectionString: state.db.url, poolSize: 2 });
    state.prisma = createPrismaClient(pool);
    Object.assign(state, {
      apps: [rights, tokenGen],
      rightsLogs,
      rightsConfig,
      rightsUrl,
      tokenGenUrl: `http://127.0.0.1:${(tokenGen.getHttpServer().address() as AddressInfo).port}`,
      pool,
      admin: new AdminCommands(
        new AccountRepository(state.prisma),
        Buffer.from(tokenGenConfig.AUTHENTICATOR_PEPPER, 'hex'),
      ),
    });
  });
  afterAll(async () => {
    for (const app of state.apps ?? []) await app.close();
    await state.prisma?.$disconnect();
    await state.pool?.end();
    await state.proxy?.close();
    await state.db?.drop();
  });
  return new Proxy({} as Stack, { get: (_target, key) => state[key as keyof typeof state] });
}

/** Asks token-gen for a token; returns the rights URL it answered with. */
export async function tokenUrl(stack: Stack, drm: 'wv' | 'fp', query: string): Promise<string> {
  const response = await fetch(`${stack.tokenGenUrl}/hms/${drm}/token?${query}&errorFormat=json`);
  const body = await response.text();
  if (response.status !== 200) throw new Error(`token-gen answered ${response.status}: ${body}`);
  return body;
}

/** A Widevine token URL for a new random kid and content key, level 1, HDCP 0, plus (or instead) `extra`'s parameters. */
export function widevineTokenUrl(stack: Stack, auth: string, extra: Record<string, string> = {}): Promise<string> {
  const query = new URLSearchParams({
    customerAuthenticator: auth,
    kid: randomBytes(16).toString('hex'),
    contentKey: randomBytes(16).toString('hex'),
    securityLevel: '1',
    hdcpOutputControl: '0',
    ...extra,
  });
  return tokenUrl(stack, 'wv', query.toString());
}

export async function auditRows(pool: Pool, kind = 'redemption'): Promise<Array<Record<string, any>>> {
  const { rows } = await pool.query('SELECT * FROM audit_events WHERE kind = $1 ORDER BY id', [kind]);
  return rows;
}

/** A token's redemption rows as [request type, result code], oldest first. */
export async function redemptionResults(pool: Pool, tokenId: Buffer): Promise<Array<[string, number]>> {
  const { rows } = await pool.query(
    "SELECT request_type, result_code FROM audit_events WHERE kind = 'redemption' AND token_id = $1 ORDER BY id",
    [tokenId.toString('hex')],
  );
  return rows.map((row) => [row.request_type, row.result_code]);
}

/** A pino destination that keeps each JSON line, parsed, as the app writes it. */
function logSink(into: Array<Record<string, unknown>>): Writable {
  return new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) into.push(JSON.parse(line));
      done();
    },
  });
}
