import { CREDENTIALS_JSON, fixture } from './support/fairplay-client';
import { tokenUrl, useStack } from './support/stack';

// Apple's FPS/spc1 vector, redeemable with any token carrying this key and IV (fairplay.e2e-spec.ts).
const SPC1 = fixture('fps-spc1.bin');
const CK1 = '3b'.repeat(16);
const IV1 = 'd5fbd6b82ed93e4ef98ae40931ee33b7';
const KEY = '000102030405060708090a0b0c0d0e0f';
const TIMEOUTS = {
  DATABASE_CONNECT_TIMEOUT_MS: '300',
  DATABASE_ACQUIRE_TIMEOUT_MS: '400',
  DATABASE_STATEMENT_TIMEOUT_MS: '400',
};
/**
 * A redemption waits for a batch to take it (400 ms), then for the batch: a pooled connection (400 ms), the statement
 * (400 ms) and the client's grace (250 ms); timers on a busy machine fire late.
 */
const BUDGET_MS = 400 + 400 + 400 + 250 + 700;
const UNAVAILABLE = { code: 503, message: '[503] Service Unavailable: the database is not answering, retry later' };

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly text: string;
  readonly ms: number;
}

describe('rights with its database frozen or down (real apps, real Postgres behind a TCP proxy)', () => {
  // The account is cached (as in production), so that the redemptions reach the ledger and the audit writer.
  const stack = useStack(
    () => ({
      FAIRPLAY_CREDENTIALS: CREDENTIALS_JSON,
      ACCOUNT_CACHE_TTL_MS: '60000',
      DATABASE_POOL_SIZE: '2',
      ...TIMEOUTS,
    }),
    {
      throughProxy: true,
    },
  );
  let auth: string;
  let account: number;
  let wvUrl: string;

  beforeAll(async () => {
    const created = await stack.admin.createAccount({ name: 'Frozen', credits: 1000n, widevine: true, fairplay: true });
    auth = encodeURIComponent(created.authenticators.test);
    account = created.account.number;
    wvUrl = await tokenUrl(
      stack,
      'wv',
      `customerAuthenticator=${auth}&kid=^movie&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0&cookie=wv`,
    );
  });
  afterEach(() => stack.proxy.resume());

  const send = async (url: string, body: Buffer): Promise<Answer> => {
    const started = Date.now();
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/octet-stream' },
    });
    const text = await response.text();
    return { status: response.status, retryAfter: response.headers.get('retry-after'), text, ms: Date.now() - started };
  };
  /** FairPlay tokens of their own, so that each redemption's row is known by its token. */
  const fpUrls = (count: number, cookie: string) =>
    Promise.all(
      Array.from({ length: count }, (_, i) =>
        tokenUrl(stack, 'fp', `customerAuthenticator=${auth}&contentKey=${CK1}&iv=${IV1}&cookie=${cookie}-${i}`),
      ),
    );
  const redeemAll = (urls: string[]) => Promise.all(urls.map((url) => send(url, SPC1)));
  const ready = async (): Promise<Answer & { body: unknown }> => {
    const started = Date.now();
    const response = await fetch(`${stack.rightsUrl}/health/ready`);
    const text = await response.text();
    return { status: response.status, retryAfter: null, text, body: JSON.parse(text), ms: Date.now() - started };
  };
  const expectUnavailable = (answer: Answer) => {
    expect({ status: answer.status, retryAfter: answer.retryAfter, body: JSON.parse(answer.text) }).toEqual({
      status: 503,
      retryAfter: '2',
      body: UNAVAILABLE,
    });
    expect(answer.ms).toBeLessThan(BUDGET_MS);
  };
  const expectNotReady = async () => {
    const answer = await ready();
    expect({ status: answer.status, body: answer.body }).toEqual({
      status: 503,
      body: { status: 'error', database: 'down' },
    });
    expect(answer.ms).toBeLessThan(1000);
  };
  /** Granted rows of these cookies, and the account's credits: each 200 must have its row and its credit. */
  const ledgerState = async (cookiePrefix: string) => {
    const { rows } = await stack.pool.query(
      "SELECT cookie FROM audit_events WHERE kind = 'redemption' AND drm = 'fp' AND result_code = 0 AND cookie LIKE $1 ORDER BY cookie",
      [`${cookiePrefix}-%`],
    );
    return rows.map((row: { cookie: string }) => row.cookie);
  };
  const credits = async () =>
    (await stack.pool.query('SELECT credits::int AS credits FROM accounts WHERE number = $1', [account])).rows[0]
      .credits;

  it('frozen: redemptions (ledger and audit writer) answer 503 with Retry-After within the budget, ready 503 in 1 s; then 200 with every row', async () => {
    const [warm] = await fpUrls(1, 'warm');
    expect((await send(warm, SPC1)).status).toBe(200); // caches the account
    const frozenUrls = await fpUrls(8, 'frozen');
    const afterUrls = await fpUrls(3, 'after');
    const creditsBefore = await credits();

    await stack.proxy.freeze();
    // FairPlay deliveries go through the ledger; a Widevine refusal (an empty challenge) through the audit writer.
    const [fairplay, widevine] = await Promise.all([
      redeemAll(frozenUrls),
      Promise.all([send(wvUrl, Buffer.alloc(0)), send(wvUrl, Buffer.alloc(0))]),
    ]);
    for (const answer of [...fairplay, ...widevine]) expectUnavailable(answer);
    await expectNotReady();

    await stack.proxy.resume();
    const after = await redeemAll(afterUrls);
    expect(after.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(JSON.parse((await send(wvUrl, Buffer.alloc(0))).text).code).toBe(-7008);
    expect((await ready()).body).toEqual({ status: 'ok', database: 'up' });
    // Every 200 has its row and its credit; the refused redemptions neither.
    expect(await ledgerState('after')).toEqual(['after-0', 'after-1', 'after-2']);
    expect(await ledgerState('frozen')).toEqual([]);
    expect(await credits()).toBe(creditsBefore - 3);
  });

  it('down (connection refused): 503 with Retry-After at once, not ready; then 200 with its row', async () => {
    const [down, up] = [await fpUrls(2, 'down'), await fpUrls(1, 'up')];
    await stack.proxy.refuse();
    for (const answer of await redeemAll(down)) expectUnavailable(answer);
    await expectNotReady();
    await stack.proxy.resume();
    expect((await redeemAll(up)).map((answer) => answer.status)).toEqual([200]);
    expect(await ledgerState('up')).toEqual(['up-0']);
    expect(await ledgerState('down')).toEqual([]);
  });

  it('a stuck lock on the account: the server cancels the batch (statement timeout), 503; then 200', async () => {
    const [locked, unlocked] = [await fpUrls(1, 'locked'), await fpUrls(1, 'unlocked')];
    const holder = await stack.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM accounts WHERE number = $1 FOR UPDATE', [account]);
      expectUnavailable((await redeemAll(locked))[0]);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    expect((await redeemAll(unlocked))[0].status).toBe(200);
    expect(await ledgerState('unlocked')).toEqual(['unlocked-0']);
  });
});
