import { randomBytes } from 'node:crypto';
import { AccountChangeFeed } from '../src/accounts/account-changes';
import { AccountRepository } from '../src/accounts/account-repository';
import { RedemptionLedger } from '../src/audit/redemption-ledger';
import { useDatabase } from './support';

/** What a feed reported, in order: account numbers, and 'unknown' when it may have missed changes. */
function recorder(feed: AccountChangeFeed): Array<number | 'unknown'> {
  const seen: Array<number | 'unknown'> = [];
  feed.subscribe({ changed: (n) => seen.push(n), unknown: () => seen.push('unknown') });
  return seen;
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('AccountChangeFeed (real Postgres)', () => {
  const db = useDatabase();
  let feed: AccountChangeFeed;
  let seen: Array<number | 'unknown'>;
  const accounts = () => new AccountRepository(db.prisma);
  const create = (credits: bigint | null = null) =>
    accounts().create({
      name: 'N',
      credits,
      widevineEnabled: true,
      fairplayAuthorized: true,
      fairplayEnabled: true,
      authenticatorHashes: { test: randomBytes(32), production: randomBytes(32) },
    });

  beforeEach(async () => {
    feed = new AccountChangeFeed({ connectionString: db.url, heartbeatMs: 100, retryMs: { first: 20, longest: 50 } });
    seen = recorder(feed);
    await feed.start();
    expect(feed.listening).toBe(true);
    // Listening begins by saying that earlier changes are unknown: caches filled before then are cleared.
    expect(seen).toEqual(['unknown']);
    seen.length = 0;
  });
  afterEach(() => feed.stop());

  it('reports admin changes of an account as they commit, from any connection', async () => {
    const { number } = await create();
    await until(() => seen.length > 0);
    seen.length = 0;
    await accounts().update(number, { status: 'disabled' });
    await until(() => seen.includes(number));
    seen.length = 0;
    await accounts().update(number, { widevineEnabled: false });
    await until(() => seen.includes(number));
    seen.length = 0;
    await db.pool.query('UPDATE accounts SET name = $2 WHERE number = $1', [number, 'by hand']);
    await until(() => seen.includes(number));
  });

  it('reports authenticators added and revoked', async () => {
    const { number } = await create();
    await until(() => seen.length > 0);
    seen.length = 0;
    const added = await accounts().addAuthenticator(number, 'test', randomBytes(32), 'second');
    await until(() => seen.includes(number));
    seen.length = 0;
    expect(added).not.toBeNull();
    await accounts().revokeAuthenticator(number, added!.id);
    await until(() => seen.includes(number));
  });

  it('stays silent on deliveries that leave credits, speaks when they run out, and on an admin top-up', async () => {
    const { number } = await create(3n);
    await until(() => seen.length > 0);
    seen.length = 0;
    const ledger = new RedemptionLedger(db.pool);
    const row = {
      kind: 'redemption' as const,
      drm: 'wv' as const,
      environment: 'test' as const,
      accountNumber: number,
      tokenId: 't',
      kid: null,
      cookie: null,
      resultCode: 0,
      message: null,
      clientAddress: null,
      userAgent: null,
      requestType: 'new',
    };
    expect(await ledger.redeem(number, row)).toBe('granted');
    expect(await ledger.redeem(number, row)).toBe('granted');
    // A change that does notify, made after the deliveries, proves that they reached the feed's turn unannounced.
    const other = await create();
    await until(() => seen.includes(other.number));
    expect(seen).toEqual([other.number]);
    seen.length = 0;
    expect(await ledger.redeem(number, row)).toBe('granted');
    await until(() => seen.includes(number));
    seen.length = 0;
    await accounts().update(number, { credits: 10n });
    await until(() => seen.includes(number));
  });

  it('says nothing of a change rolled back', async () => {
    const { number } = await create();
    const other = await create();
    await until(() => seen.includes(other.number));
    seen.length = 0;
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("UPDATE accounts SET status = 'disabled' WHERE number = $1", [number]);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    await db.pool.query('UPDATE accounts SET name = $2 WHERE number = $1', [other.number, 'marker']);
    await until(() => seen.includes(other.number));
    expect(seen).toEqual([other.number]);
  });

  it('after losing its connection says changes are unknown, reconnects, and reports again', async () => {
    const { number } = await create();
    await until(() => seen.length > 0);
    seen.length = 0;
    await db.pool.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'openplay-account-changes' AND datname = current_database()",
    );
    await until(() => seen.filter((s) => s === 'unknown').length >= 2 && feed.listening);
    seen.length = 0;
    await accounts().update(number, { status: 'disabled' });
    await until(() => seen.includes(number));
  });

  it('keeps trying while the database cannot be reached, without throwing', async () => {
    const lost = new AccountChangeFeed({
      connectionString: 'postgresql://postgres@127.0.0.1:1/none',
      connectTimeoutMs: 200,
      retryMs: { first: 10, longest: 20 },
    });
    await expect(lost.start()).resolves.toBeUndefined();
    expect(lost.listening).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await lost.stop();
    expect(lost.listening).toBe(false);
  });
});
