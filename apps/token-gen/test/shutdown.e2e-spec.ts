import { AccountRepository, createPool, createPrismaClient } from '@openplay/database';
import { cloneTestDatabase, type TestDatabase } from '@openplay/database/testing';
import type { AddressInfo } from 'node:net';
import { AdminCommands } from '../src/admin/admin-commands';
import { validateTokenGenConfig } from '../src/config/token-gen.config';
import { createTokenGenApp } from '../src/main';

describe('token-gen shutting down under load (real app, real Postgres)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await cloneTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('loses nothing: requests in flight are served to the end, and every 200 has its audit row', async () => {
    const config = validateTokenGenConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', ACCOUNT_CACHE_TTL_MS: '60000' });
    const pool = createPool({ connectionString: db.url, poolSize: 2 });
    const prisma = createPrismaClient(pool);
    const admin = new AdminCommands(new AccountRepository(prisma), Buffer.from(config.AUTHENTICATOR_PEPPER, 'hex'));
    const { authenticators } = await admin.createAccount({ name: 'S', credits: null, widevine: true, fairplay: true });
    const app = await createTokenGenApp(config);
    await app.listen(0, '127.0.0.1');
    const url =
      `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/hms/wv/token?customerAuthenticator=` +
      `${encodeURIComponent(authenticators.test)}&kid=^s&contentKey=000102030405060708090a0b0c0d0e0f&securityLevel=1&hdcpOutputControl=0&cookie=shutdown`;

    expect((await fetch(url)).status).toBe(200); // warm: the account is cached, the code compiled
    // 300 requests at once; the app starts closing as soon as the first is answered, with the rest in flight.
    let firstAnswer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (firstAnswer = resolve));
    const requests = Array.from({ length: 300 }, () =>
      fetch(url).then(
        async (response) => {
          firstAnswer();
          return { status: response.status, body: await response.text() };
        },
        () => ({ status: 0, body: '' }),
      ),
    );
    await answered;
    await app.close();
    const answers = await Promise.all(requests);

    const ok = answers.filter((a) => a.status === 200);
    const { rows } = await pool.query(
      "SELECT token_id FROM audit_events WHERE cookie = 'shutdown' AND result_code = 0",
    );
    // The requests in flight when closing began were served to the end, their rows written before the pool closed.
    expect(ok.length).toBeGreaterThan(1);
    expect(rows.length).toBe(ok.length + 1);
    // Whatever was not served was refused cleanly (503 while closing, or no connection), never a 500.
    expect(answers.filter((a) => a.status !== 200 && a.status !== 503 && a.status !== 0)).toEqual([]);
    await prisma.$disconnect();
    await pool.end();
  });
});
