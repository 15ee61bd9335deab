import { randomBytes } from 'node:crypto';
import { AccountRepository } from '../src/accounts/account-repository';
import {
  type DeviceAdmission,
  RedemptionLedger,
  type StreamAdmission,
  streamScope,
} from '../src/audit/redemption-ledger';
import { createAccount, redemptionRow, resultCodes, useDatabase } from './support';

const row = (accountNumber: number, tokenId: string) => redemptionRow(accountNumber, tokenId);

const stream = (scope: string, maxStreams: number, stopOldest = false, liveSeconds = 60): StreamAdmission => ({
  scope,
  sessionId: randomBytes(16),
  maxStreams,
  stopOldest,
  liveSeconds,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RedemptionLedger with stream-limited licenses (real Postgres)', () => {
  const db = useDatabase();
  const account = (credits: bigint | null) => createAccount(db.prisma, credits, 'S');
  const codes = (tokenId: string) => resultCodes(db.pool, tokenId);

  it('admits exactly 3 of 30 concurrent streams from two ledgers, the rest -9004 and no credit spent', async () => {
    const { number } = await account(100n);
    const token = randomBytes(16).toString('hex');
    const scope = streamScope(token, number, null);
    const ledgers = [new RedemptionLedger(db.pool), new RedemptionLedger(db.pool)];
    const verdicts = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        ledgers[i % 2].redeem(number, row(number, token), undefined, stream(scope, 3)),
      ),
    );
    expect(verdicts.filter((v) => v === 'granted')).toHaveLength(3);
    expect(verdicts.filter((v) => v === 'too-many-streams')).toHaveLength(27);
    expect(await codes(token)).toEqual([
      { result_code: -9004, n: 27 },
      { result_code: 0, n: 3 },
    ]);
    expect((await new AccountRepository(db.prisma).findByNumber(number))?.credits).toBe(97n);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM token_streams WHERE scope = $1', [scope]);
    expect(rows).toEqual([{ n: 3 }]);
    // The usage roll-up counts the batch as its rows were written: 3 licenses, 27 refusals under -9004.
    const usage = await db.pool.query(
      'SELECT metric, sum(count)::int AS n FROM usage_hourly WHERE account_number = $1 GROUP BY 1 ORDER BY 1',
      [number],
    );
    expect(usage.rows).toEqual([
      { metric: 'licenses', n: 3 },
      { metric: 'refusal:-9004', n: 27 },
    ]);
  });

  it('frees a slot on release and when renewals stop; a dead stream is not revived by a late renewal', async () => {
    const { number } = await account(null);
    const token = randomBytes(16).toString('hex');
    const scope = streamScope(token, number, 'user-1');
    expect(scope).toBe(`u:${number}:user-1`);
    const ledger = new RedemptionLedger(db.pool);
    const [a, b, c, d] = [
      stream(scope, 2, false, 2),
      stream(scope, 2, false, 2),
      stream(scope, 2, false, 2),
      stream(scope, 2, false, 2),
    ];
    expect(await ledger.redeem(number, row(number, token), undefined, a)).toBe('granted');
    expect(await ledger.redeem(number, row(number, token), undefined, b)).toBe('granted');
    expect(await ledger.redeem(number, row(number, token), undefined, c)).toBe('too-many-streams');
    await ledger.releaseStream(scope, a.sessionId);
    expect(await ledger.redeem(number, row(number, token), undefined, c)).toBe('granted');
    // b stops renewing; c keeps renewing; after the 2 s window b is dead and d fits.
    await sleep(1200);
    expect(await ledger.renewStream(scope, c.sessionId, 2)).toBe(true);
    await sleep(1200);
    expect(await ledger.redeem(number, row(number, token), undefined, d)).toBe('granted');
    expect(await ledger.renewStream(scope, b.sessionId, 2)).toBe(false);
    expect(await ledger.renewStream(scope, c.sessionId, 2)).toBe(true);
  });

  it('stop-oldest: the new stream is granted and the oldest one is refused its next renewal', async () => {
    const { number } = await account(null);
    const token = randomBytes(16).toString('hex');
    const scope = streamScope(token, number, null);
    const ledger = new RedemptionLedger(db.pool);
    const streams = [stream(scope, 2, true), stream(scope, 2, true), stream(scope, 2, true)];
    for (const s of streams) {
      expect(await ledger.redeem(number, row(number, token), undefined, s)).toBe('granted');
      await sleep(5); // distinct start times
    }
    expect(await ledger.renewStream(scope, streams[0].sessionId, 60)).toBe(false);
    expect(await ledger.renewStream(scope, streams[1].sessionId, 60)).toBe(true);
    expect(await ledger.renewStream(scope, streams[2].sessionId, 60)).toBe(true);
  });

  it('a scope that turned over 300 streams: the next admission reads its live streams, not their dead versions', async () => {
    const { number } = await account(null);
    const token = randomBytes(16).toString('hex');
    const scope = streamScope(token, number, 'churn');
    const ledger = new RedemptionLedger(db.pool);
    for (let i = 0; i < 30; i++) {
      const verdicts = await Promise.all(
        Array.from({ length: 10 }, () => ledger.redeem(number, row(number, token), undefined, stream(scope, 2, true))),
      );
      expect(verdicts).toEqual(Array(10).fill('granted'));
    }
    const { rows: live } = await db.pool.query('SELECT count(*)::int AS n FROM token_streams WHERE scope = $1', [
      scope,
    ]);
    expect(live).toEqual([{ n: 2 }]);
    // One more admission marks what the scope's index holds for the deleted streams as dead (a plain index scan does;
    // a bitmap scan would hand them all to the heap on every statement, with no vacuum in between). The one after it,
    // inside a transaction of our own, must read a handful of index entries, not the 298 dead versions again.
    expect(await ledger.redeem(number, row(number, token), undefined, stream(scope, 2, true))).toBe('granted');
    const client = await db.pool.connect();
    try {
      // The backend's counter holds what it has not yet reported, which is not flushed inside a transaction: the
      // difference across the statement is the statement's.
      const indexEntriesRead = async () =>
        (await client.query("SELECT pg_stat_get_xact_tuples_returned('token_streams_pkey'::regclass)::int AS n"))
          .rows[0].n as number;
      await client.query('BEGIN');
      const before = await indexEntriesRead();
      const inTransaction = new RedemptionLedger({ query: client.query.bind(client) } as unknown as typeof db.pool);
      expect(await inTransaction.redeem(number, row(number, token), undefined, stream(scope, 2, true))).toBe('granted');
      expect((await indexEntriesRead()) - before).toBeLessThan(30);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  });

  it('a batch mixing stream-limited, use-limited and plain redemptions decides each row', async () => {
    const { number } = await account(null);
    const token = randomBytes(16).toString('hex');
    const plain = randomBytes(16).toString('hex');
    const scope = streamScope(token, number, null);
    const ledger = new RedemptionLedger(db.pool);
    const use = { limit: 1, requestHash: randomBytes(32), tokenExpiresAt: Math.floor(Date.now() / 1000) + 3600 };
    const verdicts = await Promise.all([
      ledger.redeem(number, row(number, token), undefined, stream(scope, 1)),
      ledger.redeem(number, row(number, plain)),
      ledger.redeem(number, row(number, token), use, stream(scope, 1)),
    ]);
    expect(verdicts).toEqual(['granted', 'granted', 'too-many-streams']);
  });

  it('admits exactly 2 of 5 devices among 40 concurrent licenses from two ledgers; a device window that passes frees it', async () => {
    const { number } = await account(null);
    const token = randomBytes(16).toString('hex');
    const scope = streamScope(token, number, null);
    const ids = Array.from({ length: 5 }, () => randomBytes(32));
    const device = (i: number, windowSeconds = 3600): DeviceAdmission => ({
      scope,
      deviceId: ids[i],
      maxDevices: 2,
      windowSeconds,
    });
    const ledgers = [new RedemptionLedger(db.pool), new RedemptionLedger(db.pool)];
    const verdicts = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        ledgers[i % 2].redeem(number, row(number, token), undefined, undefined, device(i % 5)),
      ),
    );
    const admitted = new Set(verdicts.flatMap((v, i) => (v === 'granted' ? [i % 5] : [])));
    expect(admitted.size).toBe(2);
    expect(verdicts.filter((v) => v === 'granted')).toHaveLength(16);
    expect(verdicts.filter((v) => v === 'too-many-devices')).toHaveLength(24);
    expect(await codes(token)).toEqual([
      { result_code: -9007, n: 24 },
      { result_code: 0, n: 16 },
    ]);

    // A short window: once both devices' windows pass, a third device gets in.
    const other = randomBytes(16).toString('hex');
    const otherScope = streamScope(other, number, null);
    const short = (id: Buffer): DeviceAdmission => ({
      scope: otherScope,
      deviceId: id,
      maxDevices: 1,
      windowSeconds: 1,
    });
    const ledger = ledgers[0];
    expect(await ledger.redeem(number, row(number, other), undefined, undefined, short(ids[0]))).toBe('granted');
    expect(await ledger.redeem(number, row(number, other), undefined, undefined, short(ids[1]))).toBe(
      'too-many-devices',
    );
    await sleep(1100);
    expect(await ledger.redeem(number, row(number, other), undefined, undefined, short(ids[1]))).toBe('granted');
  });
});
