import { randomBytes } from 'node:crypto';
import { AccountRepository } from '../src/accounts/account-repository';
import { RedemptionLedger, type StreamAdmission, streamScope } from '../src/audit/redemption-ledger';
import { createAccount, redemptionRow, useDatabase } from './support';

const row = (accountNumber: number, tokenId: string, drm: 'wv' | 'fp' = 'fp') =>
  redemptionRow(accountNumber, tokenId, { drm, requestType: drm === 'fp' ? 'ckc' : 'new' });

/** A FairPlay stream: its identity is fixed by device and content, its life by the CKC's lease. */
const fairPlay = (
  scope: string,
  sessionId: Buffer,
  maxStreams: number,
  options: { stopOldest?: boolean; leaseSeconds?: number; renewal?: boolean } = {},
): StreamAdmission => ({
  scope,
  sessionId,
  maxStreams,
  stopOldest: options.stopOldest ?? false,
  liveSeconds: 60,
  leaseSeconds: options.leaseSeconds ?? 60,
  renewal: options.renewal ?? false,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RedemptionLedger with stream-limited FairPlay CKCs (real Postgres, migration fairplay_streams)', () => {
  const db = useDatabase();
  const account = (credits: bigint | null) => createAccount(db.prisma, credits, 'F');
  const leases = async (scope: string) =>
    (
      await db.pool.query<{ session: string; lease: boolean }>(
        `SELECT encode(session_id, 'hex') AS session, lease_ends_at > now() AS lease
           FROM token_streams WHERE scope = $1 ORDER BY started_at`,
        [scope],
      )
    ).rows;

  it('a CKC of a live stream extends it and takes no slot, even at the limit; one more stream is -9004', async () => {
    const { number } = await account(100n);
    const token = randomBytes(16).toString('hex');
    const scope = streamScope(token, number, null);
    const ledger = new RedemptionLedger(db.pool);
    const [a, b, c] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    expect(await ledger.redeem(number, row(number, token), undefined, fairPlay(scope, a, 2))).toBe('granted');
    expect(await ledger.redeem(number, row(number, token), undefined, fairPlay(scope, b, 2))).toBe('granted');
    // Twelve more CKCs of stream a at once (lease renewals, or SPCs of other keys of the same playback): all served.
    const again = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        ledger.redeem(number, row(number, token), undefined, fairPlay(scope, a, 2, { renewal: i % 2 === 0 })),
      ),
    );
    expect(again).toEqual(Array.from({ length: 12 }, () => 'granted'));
    expect(await ledger.redeem(number, row(number, token), undefined, fairPlay(scope, c, 2))).toBe('too-many-streams');
    expect(await leases(scope)).toEqual([
      { session: a.toString('hex'), lease: true },
      { session: b.toString('hex'), lease: true },
    ]);
    // Every CKC is a delivery: 14 credits, none for the refusal.
    expect((await new AccountRepository(db.prisma).findByNumber(number))?.credits).toBe(86n);
  });

  it('stopOldest: the oldest stream is stopped, its next lease renewal is -9005 (row, roll-up, no credit)', async () => {
    const { number } = await account(100n);
    const token = randomBytes(16).toString('hex');
    const scope = streamScope(token, number, 'household');
    const ledger = new RedemptionLedger(db.pool);
    const [a, b, c] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const stop = { stopOldest: true };
    for (const id of [a, b]) {
      expect(await ledger.redeem(number, row(number, token), undefined, fairPlay(scope, id, 2, stop))).toBe('granted');
      await sleep(20);
    }
    // A renewal of b first: it extends b, but b stays the second oldest by start.
    expect(
      await ledger.redeem(number, row(number, token), undefined, fairPlay(scope, b, 2, { ...stop, renewal: true })),
    ).toBe('granted');
    expect(await ledger.redeem(number, row(number, token), undefined, fairPlay(scope, c, 2, stop))).toBe('granted');
    expect((await leases(scope)).map(({ session }) => session)).toEqual([b.toString('hex'), c.toString('hex')]);
    expect(
      await ledger.redeem(number, row(number, token), undefined, fairPlay(scope, a, 2, { ...stop, renewal: true })),
    ).toBe('stream-stopped');
    // Not a renewal (the player starts playback again): a new stream, which stops the now oldest, b.
    expect(await ledger.redeem(number, row(number, token), undefined, fairPlay(scope, a, 2, stop))).toBe('granted');
    expect((await leases(scope)).map(({ session }) => session)).toEqual([c.toString('hex'), a.toString('hex')]);

    const { rows } = await db.pool.query(
      "SELECT result_code, message FROM audit_events WHERE token_id = $1 AND result_code <> 0 AND kind = 'redemption'",
      [token],
    );
    expect(rows).toEqual([
      {
        result_code: -9005,
        message: '[-9005] Stream stopped: the stream was stopped by a newer one or its lease ran out',
      },
    ]);
    const usage = await db.pool.query(
      'SELECT metric, sum(count)::int AS n FROM usage_hourly WHERE account_number = $1 GROUP BY 1 ORDER BY 1',
      [number],
    );
    expect(usage.rows).toEqual([
      { metric: 'licenses', n: 5 },
      { metric: 'refusal:-9005', n: 1 },
    ]);
    expect((await new AccountRepository(db.prisma).findByNumber(number))?.credits).toBe(95n);
  });

  it('a stream lives by its lease: after it, its slot is free and its renewal is -9005 (a dead stream stays dead)', async () => {
    const { number } = await account(null);
    const token = randomBytes(16).toString('hex');
    const scope = streamScope(token, number, null);
    const ledger = new RedemptionLedger(db.pool);
    const [a, b] = [randomBytes(32), randomBytes(32)];
    expect(await ledger.redeem(number, row(number, token), undefined, fairPlay(scope, a, 1, { leaseSeconds: 1 }))).toBe(
      'granted',
    );
    expect(await ledger.redeem(number, row(number, token), undefined, fairPlay(scope, b, 1))).toBe('too-many-streams');
    await sleep(1100);
    expect(await ledger.redeem(number, row(number, token), undefined, fairPlay(scope, a, 1, { renewal: true }))).toBe(
      'stream-stopped',
    );
    expect(await ledger.redeem(number, row(number, token), undefined, fairPlay(scope, b, 1))).toBe('granted');
  });

  it('Widevine and FairPlay streams of one user share the limit; each dies by its own rule', async () => {
    const { number } = await account(null);
    const [wvToken, fpToken] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
    const scope = streamScope(fpToken, number, 'same-user');
    const ledger = new RedemptionLedger(db.pool);
    // A Widevine license dead after 1 s without renewal, a FairPlay CKC with a 60 s lease.
    const widevine: StreamAdmission = {
      scope,
      sessionId: randomBytes(16),
      maxStreams: 2,
      stopOldest: false,
      liveSeconds: 1,
    };
    expect(await ledger.redeem(number, row(number, wvToken, 'wv'), undefined, widevine)).toBe('granted');
    expect(await ledger.redeem(number, row(number, fpToken), undefined, fairPlay(scope, randomBytes(32), 2))).toBe(
      'granted',
    );
    // One server's setting: its Widevine streams live 1 s without renewal, whatever its FairPlay leases say.
    const third = () => ({ ...fairPlay(scope, randomBytes(32), 2), liveSeconds: 1 });
    expect(await ledger.redeem(number, row(number, fpToken), undefined, third())).toBe('too-many-streams');
    await sleep(1100);
    // The Widevine stream went without a renewal past its window; the FairPlay lease runs on.
    expect(await ledger.redeem(number, row(number, fpToken), undefined, third())).toBe('granted');
    expect(await ledger.redeem(number, row(number, fpToken), undefined, third())).toBe('too-many-streams');
  });

  it('the previous signature of openplay_redeem_batch_usage still decides a Widevine batch (rolling upgrade)', async () => {
    const { number } = await account(null);
    const token = randomBytes(16).toString('hex');
    const rows = JSON.stringify([
      {
        ...row(number, token, 'wv'),
        maxStreams: 1,
        stopOldest: false,
        streamScope: `t:${token}`,
        sessionId: randomBytes(16).toString('hex'),
      },
    ]);
    const call =
      'SELECT openplay_redeem_batch_usage($1::json, $2, $3, $4, make_interval(secs => 120), ' +
      'make_interval(secs => 600), $5, make_interval(secs => 60), $6) AS v';
    const args = [rows, 'no credit', 'used up', 'retry', 'too many', 'too many devices'];
    expect((await db.pool.query(call, args)).rows[0].v).toEqual(['granted']);
    const other = JSON.stringify([{ ...JSON.parse(rows)[0], sessionId: randomBytes(16).toString('hex') }]);
    expect((await db.pool.query(call, [other, ...args.slice(1)])).rows[0].v).toEqual(['too-many-streams']);
  });
});
