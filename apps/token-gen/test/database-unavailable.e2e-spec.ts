import { withDatabase } from '@openplay/database/testing';
import type { AddressInfo } from 'node:net';
import { validateTokenGenConfig } from '../src/config/token-gen.config';
import { createTokenGenApp } from '../src/main';
import { useTokenGen } from './support/token-gen-harness';

const ADMIN_API_KEY = 'test-admin-key-0123456789abcdef';
const KEY = '000102030405060708090a0b0c0d0e0f';
const IV = 'f0e0d0c0b0a090807060504030201000';
const TIMEOUTS = {
  DATABASE_CONNECT_TIMEOUT_MS: '300',
  DATABASE_ACQUIRE_TIMEOUT_MS: '400',
  DATABASE_STATEMENT_TIMEOUT_MS: '400',
};
/** A pooled connection (400 ms), then the statement (400 ms) and the client's grace (250 ms); timers on a busy machine fire late. */
const BUDGET_MS = 400 + 400 + 250 + 700;
const UNAVAILABLE = { code: 503, message: '[503] Service Unavailable: the database is not answering, retry later' };

describe('token-gen with its database frozen or down (real app, real Postgres behind a TCP proxy)', () => {
  // Two connections: the requests of a burst also wait for one, and that wait is bounded too.
  const tg = useTokenGen({ ADMIN_API_KEY, DATABASE_POOL_SIZE: '2', ...TIMEOUTS }, { throughProxy: true });
  let auth: string;
  const kid = '0123456789abcdef0123456789abcdef';
  const KEK = 'f'.repeat(32);

  beforeAll(async () => {
    auth = encodeURIComponent(
      (await tg.admin.createAccount({ name: 'Frozen', credits: null, widevine: true, fairplay: true })).authenticators
        .test,
    );
  });
  afterEach(() => tg.proxy.resume());

  const timed = async (path: string, init: RequestInit = {}) => {
    const started = Date.now();
    const response = await fetch(`${tg.baseUrl}${path}`, init);
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, ms: Date.now() - started };
  };
  const wvToken = (cookie: string, format = '&errorFormat=json') =>
    timed(
      `/hms/wv/token?customerAuthenticator=${auth}&kid=${kid}&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0&cookie=${cookie}${format}`,
    );
  const fpToken = (cookie: string) =>
    timed(`/hms/fp/token?customerAuthenticator=${auth}&contentKey=${KEY}&iv=${IV}&cookie=${cookie}&errorFormat=json`);
  const record = () => timed(`/cmiapi/getrecord?customerAuthenticator=${auth}&errorFormat=json`);
  const keystore = () => timed(`/keystore/keys/${kid}?customerAuthenticator=${auth}&kek=${KEK}`);
  const admin = () => timed('/admin/accounts', { headers: { authorization: `Bearer ${ADMIN_API_KEY}` } });
  const ready = () => timed('/health/ready');

  /** What a client must see: 503, Retry-After, the documented JSON body, within the budget. */
  const expectUnavailable = (answer: Awaited<ReturnType<typeof timed>>, budget = BUDGET_MS) => {
    expect({
      status: answer.status,
      retryAfter: answer.headers.get('retry-after'),
      body: JSON.parse(answer.text),
    }).toEqual({
      status: 503,
      retryAfter: '2',
      body: UNAVAILABLE,
    });
    expect(answer.ms).toBeLessThan(budget);
  };
  const expectNotReady = (answer: Awaited<ReturnType<typeof timed>>) => {
    expect({ status: answer.status, body: JSON.parse(answer.text) }).toEqual({
      status: 503,
      body: { status: 'error', database: 'down' },
    });
    expect(answer.ms).toBeLessThan(1000);
  };
  const issuedRows = async (cookies: string[]) =>
    (
      await tg.pool.query(
        "SELECT cookie, result_code, token_id FROM audit_events WHERE kind = 'issuance' AND cookie = ANY($1)",
        [cookies],
      )
    ).rows;

  it('frozen: every path answers 503 with Retry-After within its budget, /health/ready 503 within 1 s; then 200 again', async () => {
    expect((await wvToken('before')).status).toBe(200);
    expect(
      (
        await timed(`/keystore/keys?customerAuthenticator=${auth}&kek=${KEK}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ kid, k: KEY }),
        })
      ).status,
    ).toBe(201);
    await tg.proxy.freeze();
    const answers = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => wvToken(`frozen-${i}`)),
      fpToken('frozen-fp'),
      record(),
      keystore(),
      admin(),
    ]);
    for (const answer of answers) expectUnavailable(answer);
    expectNotReady(await ready());

    const html = await wvToken('frozen-html', '');
    expect(html.status).toBe(503);
    expect(html.headers.get('retry-after')).toBe('2');
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.text).toContain('<p class="code">503</p>');

    await tg.proxy.resume();
    const after = await Promise.all([wvToken('after-wv'), fpToken('after-fp'), record(), keystore(), admin()]);
    expect(after.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(JSON.parse((await ready()).text)).toEqual({ status: 'ok', database: 'up' });
    // Every token answered has its row; the refused requests have none (their database was not answering).
    const rows = await issuedRows(['before', 'after-wv', 'after-fp', 'frozen-0', 'frozen-fp']);
    expect(rows.map((row) => row.cookie).sort()).toEqual(['after-fp', 'after-wv', 'before']);
    expect(rows.every((row) => row.result_code === 0 && row.token_id)).toBe(true);
  });

  it('down (connection refused): 503 with Retry-After at once, not ready; then 200 again', async () => {
    await tg.proxy.refuse();
    const answers = await Promise.all([wvToken('down-wv'), fpToken('down-fp'), record(), keystore(), admin()]);
    for (const answer of answers) expectUnavailable(answer);
    expectNotReady(await ready());
    await tg.proxy.resume();
    expect((await wvToken('up-again')).status).toBe(200);
    expect((await issuedRows(['up-again', 'down-wv'])).map((row) => row.cookie)).toEqual(['up-again']);
  });

  it('starts while the database is down, not ready until it answers; a database that refuses the app stops start-up', async () => {
    await tg.proxy.refuse();
    const app = await createTokenGenApp(tg.config);
    try {
      await app.listen(0, '127.0.0.1');
      const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
      const readyThere = () => fetch(`${base}/health/ready`).then(async (r) => [r.status, await r.json()]);
      expect(await readyThere()).toEqual([503, { status: 'error', database: 'down' }]);
      await tg.proxy.resume();
      expect(await readyThere()).toEqual([200, { status: 'ok', database: 'up' }]);
      const token = await fetch(
        `${base}/hms/wv/token?customerAuthenticator=${auth}&kid=${kid}&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0`,
      );
      expect(token.status).toBe(200);
    } finally {
      await app.close();
    }

    const nowhere = await createTokenGenApp(
      validateTokenGenConfig({
        ...tg.config,
        DATABASE_URL: withDatabase(tg.config.DATABASE_URL, 'openplay_no_such_db'),
      }),
    );
    await expect(nowhere.listen(0, '127.0.0.1')).rejects.toThrow(
      'the database refused the app at start-up: database "openplay_no_such_db" does not exist',
    );
    await nowhere.close();
  });
});
