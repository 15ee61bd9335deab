import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AccountRepository, createPool, createPrismaClient, type PrismaClient } from '@openplay/database';
import { cloneTestDatabase, type TestDatabase } from '@openplay/database/testing';
import { AdminCommands, createTokenGenApp, validateTokenGenConfig } from '@openplay/token-gen';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import { validateRightsConfig } from '../src/config/rights.config';
import { createCryptoImplementation } from '../src/drm/drm.module';
import { createRightsApp } from '../src/main';

const KEY = '000102030405060708090a0b0c0d0e0f';
// A minute (the longest allowed): within a test, only the database's notifications can explain an instance seeing a change.
const LONG_TTL = '60000';

async function listen(app: NestFastifyApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
}

/** Polls `probe` until it returns `expected`; resolves with the milliseconds it took. */
async function msUntil(probe: () => Promise<number>, expected: number, timeoutMs = 5000): Promise<number> {
  const started = performance.now();
  for (;;) {
    if ((await probe()) === expected) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`still not ${expected} after ${timeoutMs} ms`);
  }
}

describe('two token-gen and two rights instances on one database (real Postgres, long account cache)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let prisma: PrismaClient;
  let admin: AdminCommands;
  const apps: NestFastifyApplication[] = [];
  const tokenGens: string[] = [];
  const rights: string[] = [];

  beforeAll(async () => {
    db = await cloneTestDatabase();
    const common = { DATABASE_URL: db.url, ENVIRONMENT: 'test', LOG_LEVEL: 'silent', ACCOUNT_CACHE_TTL_MS: LONG_TTL };
    for (let i = 0; i < 2; i++) {
      const config = validateRightsConfig(common);
      const app = await createRightsApp(config, createCryptoImplementation(config));
      apps.push(app);
      rights.push(await listen(app));
    }
    for (let i = 0; i < 2; i++) {
      const app = await createTokenGenApp(validateTokenGenConfig({ ...common, RIGHTS_PUBLIC_URL: rights[i] }));
      apps.push(app);
      tokenGens.push(await listen(app));
    }
    pool = createPool({ connectionString: db.url, poolSize: 2 });
    prisma = createPrismaClient(pool);
    const pepper = Buffer.from(
      validateTokenGenConfig({ ...common, RIGHTS_PUBLIC_URL: rights[0] }).AUTHENTICATOR_PEPPER,
      'hex',
    );
    admin = new AdminCommands(new AccountRepository(prisma), pepper);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await prisma?.$disconnect();
    await pool?.end();
    await db?.drop();
  });

  const tokenCode = async (tokenGen: string, authenticator: string): Promise<number> => {
    const query = `customerAuthenticator=${encodeURIComponent(authenticator)}&errorFormat=json&kid=^m&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0`;
    const response = await fetch(`${tokenGen}/hms/wv/token?${query}`);
    const body = await response.text();
    return response.status === 200 ? 0 : (JSON.parse(body) as { code: number }).code;
  };
  /** An empty challenge: the token and account are checked first (-2031 when disabled), then the challenge (-7008). */
  const rightsCode = async (url: string): Promise<number> => {
    const response = await fetch(url, { method: 'POST', body: Buffer.alloc(0) });
    return ((await response.json()) as { code: number }).code;
  };

  it('a disabled account is refused by every instance within milliseconds, and served again when enabled', async () => {
    const created = await admin.createAccount({ name: 'S', credits: null, widevine: true, fairplay: true });
    const authenticator = created.authenticators.test;
    const url = await fetch(
      `${tokenGens[0]}/hms/wv/token?customerAuthenticator=${encodeURIComponent(authenticator)}&kid=^m&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0`,
    ).then((r) => r.text());
    const token = new URL(url).search;
    // Every instance caches the active account.
    for (const tokenGen of tokenGens) expect(await tokenCode(tokenGen, authenticator)).toBe(0);
    for (const base of rights) expect(await rightsCode(`${base}/hms/wv/rights/${token}`)).toBe(-7008);

    await admin.setStatus(created.account.number, 'disabled');
    const waits = await Promise.all([
      ...tokenGens.map((tokenGen) => msUntil(() => tokenCode(tokenGen, authenticator), -2031)),
      ...rights.map((base) => msUntil(() => rightsCode(`${base}/hms/wv/rights/${token}`), -2031)),
    ]);
    // The bound is the TTL's (a minute) without the feed; with it, a commit's notification (a few ms here).
    for (const ms of waits) expect(ms).toBeLessThan(1000);

    await admin.setStatus(created.account.number, 'active');
    await Promise.all([
      ...tokenGens.map((tokenGen) => msUntil(() => tokenCode(tokenGen, authenticator), 0)),
      ...rights.map((base) => msUntil(() => rightsCode(`${base}/hms/wv/rights/${token}`), -7008)),
    ]);
  });

  it('a revoked authenticator is refused by every token-gen', async () => {
    const created = await admin.createAccount({ name: 'R', credits: null, widevine: true, fairplay: true });
    const authenticator = created.authenticators.test;
    for (const tokenGen of tokenGens) expect(await tokenCode(tokenGen, authenticator)).toBe(0);
    const [live] = (await admin.show(created.account.number)).authenticators.filter((a) => a.environment === 'test');
    await admin.revokeAuthenticator(created.account.number, live.id);
    const waits = await Promise.all(
      tokenGens.map((tokenGen) => msUntil(() => tokenCode(tokenGen, authenticator), -2018)),
    );
    for (const ms of waits) expect(ms).toBeLessThan(1000);
  });

  it('a switch turned off is seen by every instance', async () => {
    const created = await admin.createAccount({ name: 'W', credits: null, widevine: true, fairplay: true });
    const authenticator = created.authenticators.test;
    for (const tokenGen of tokenGens) expect(await tokenCode(tokenGen, authenticator)).toBe(0);
    await admin.setOptions(created.account.number, { widevineEnabled: false });
    await Promise.all(tokenGens.map((tokenGen) => msUntil(() => tokenCode(tokenGen, authenticator), -7011)));
  });
});
