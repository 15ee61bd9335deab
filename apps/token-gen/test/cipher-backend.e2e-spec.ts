import { nodeCryptoTokenAead, openToken, parseKeyRing, tokenAead } from '@openplay/core';
import { AccountRepository, createPool, createPrismaClient } from '@openplay/database';
import { cloneTestDatabase, type TestDatabase } from '@openplay/database/testing';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { AdminCommands } from '../src/admin/admin-commands';
import { validateTokenGenConfig } from '../src/config/token-gen.config';
import { createTokenGenApp } from '../src/main';

/** Where no addon is: OPENPLAY_NATIVE_ADDON points the loader at it. */
const MISSING_ADDON = '/nonexistent/openplay_cipher.node';

describe('token-gen and OPENPLAY_NATIVE where the addon does not load (real app, real Postgres)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await cloneTestDatabase();
    process.env.OPENPLAY_NATIVE_ADDON = MISSING_ADDON;
  });

  afterAll(async () => {
    delete process.env.OPENPLAY_NATIVE_ADDON;
    await db?.drop();
  });

  it('required: refuses to start, naming the setting, the file and the fix', async () => {
    const config = validateTokenGenConfig({ DATABASE_URL: db.url, OPENPLAY_NATIVE: 'required', LOG_LEVEL: 'silent' });
    await expect(createTokenGenApp(config)).rejects.toThrow(
      new RegExp(
        `^@openplay/cipher: OPENPLAY_NATIVE=required but cannot load the native addon ${MISSING_ADDON}: .*set OPENPLAY_NATIVE=auto`,
      ),
    );
  });

  it('auto: warns once why, then issues tokens sealed on node:crypto', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    const config = validateTokenGenConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'warn' });
    const pool = createPool({ connectionString: db.url, poolSize: 2 });
    const prisma = createPrismaClient(pool);
    const admin = new AdminCommands(new AccountRepository(prisma), Buffer.from(config.AUTHENTICATOR_PEPPER, 'hex'));
    const { authenticators } = await admin.createAccount({ name: 'N', credits: null, widevine: true, fairplay: true });
    const app = await createTokenGenApp(config, sink);
    try {
      expect(lines).toEqual([
        expect.objectContaining({
          level: 40,
          cipherBackend: 'node:crypto',
          OPENPLAY_NATIVE: 'auto',
          reason: expect.stringContaining(MISSING_ADDON),
        }),
      ]);
      expect(tokenAead()).toBe(nodeCryptoTokenAead);
      await app.listen(0, '127.0.0.1');
      const port = (app.getHttpServer().address() as AddressInfo).port;
      const response = await fetch(
        `http://127.0.0.1:${port}/hms/fp/token?customerAuthenticator=${encodeURIComponent(authenticators.test)}` +
          '&contentKey=000102030405060708090a0b0c0d0e0f&iv=f0e0d0c0b0a090807060504030201000&cookie=fallback',
      );
      expect(response.status).toBe(200);
      const token = new URL(await response.text()).searchParams.get('ExpressPlayToken')!;
      expect(openToken(token, parseKeyRing(config.TOKEN_KEYS), Math.floor(Date.now() / 1000)).cookie).toBe('fallback');
    } finally {
      await app.close();
      await prisma.$disconnect();
      await pool.end();
    }
  });
});
