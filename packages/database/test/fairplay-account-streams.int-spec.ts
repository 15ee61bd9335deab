import { randomBytes } from 'node:crypto';
import { AccountRepository } from '../src/accounts/account-repository';
import { RedemptionLedger, type StreamAdmission, streamScope } from '../src/audit/redemption-ledger';
import { createAccount, redemptionRow, resultCodes, useDatabase } from './support';

// The account's stream limit over FairPlay CKCs and Widevine licenses together (docs/decisions/0023, "Amendment:
// FairPlay"): one account, one count, exact under concurrency.

interface AccountLimit {
  readonly accountMaxStreams: number;
  readonly accountStopOldest?: boolean;
}
/** A FairPlay CKC's stream with no limit of its token's own: its id is fixed by device and content. */
const fairPlay = (scope: string, sessionId: Buffer, limit: AccountLimit, renewal = false): StreamAdmission => ({
  scope,
  sessionId,
  maxStreams: null,
  stopOldest: false,
  accountStopOldest: false,
  ...limit,
  liveSeconds: 60,
  leaseSeconds: 60,
  renewal,
});
/** A Widevine license's stream with no limit of its token's own. */
const widevine = (scope: string, sessionId: Buffer, limit: AccountLimit): StreamAdmission => ({
  scope,
  sessionId,
  maxStreams: null,
  stopOldest: false,
  accountStopOldest: false,
  ...limit,
  liveSeconds: 60,
});

describe("RedemptionLedger: an account's stream limit over FairPlay and Widevine (real Postgres)", () => {
  const db = useDatabase();
  const account = (credits: bigint | null) => createAccount(db.prisma, credits, 'FA');
  const credits = async (number: number) => (await new AccountRepository(db.prisma).findByNumber(number))?.credits;
  const ckc = (number: number, token: string) => redemptionRow(number, token, { drm: 'fp', requestType: 'ckc' });
  const license = (number: number, token: string) => redemptionRow(number, token);
  const liveStreams = async (number: number) =>
    (
      await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM token_streams WHERE account_number = $1', [
        number,
      ])
    ).rows[0].n;

  it('admits exactly 2 of 24 concurrent FairPlay streams of 12 users from two ledgers; the rest -9004, no credit', async () => {
    const { number } = await account(100n);
    const ledgers = [new RedemptionLedger(db.pool), new RedemptionLedger(db.pool)];
    const limit = { accountMaxStreams: 2 };
    const verdicts = await Promise.all(
      Array.from({ length: 24 }, (_, i) => {
        const token = randomBytes(16).toString('hex');
        const scope = streamScope(token, number, `user-${i % 12}`);
        return ledgers[i % 2].redeem(number, ckc(number, token), undefined, fairPlay(scope, randomBytes(32), limit));
      }),
    );
    expect(verdicts.filter((v) => v === 'granted')).toHaveLength(2);
    expect(verdicts.filter((v) => v === 'too-many-streams')).toHaveLength(22);
    expect(await liveStreams(number)).toBe(2);
    expect(await credits(number)).toBe(98n);
  });

  it('Widevine and FairPlay streams of the account share one limit, concurrently exact', async () => {
    const { number } = await account(100n);
    const ledgers = [new RedemptionLedger(db.pool), new RedemptionLedger(db.pool)];
    const limit = { accountMaxStreams: 3 };
    const verdicts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const token = randomBytes(16).toString('hex');
        const scope = streamScope(token, number, null);
        return i % 2 === 0
          ? ledgers[0].redeem(number, ckc(number, token), undefined, fairPlay(scope, randomBytes(32), limit))
          : ledgers[1].redeem(number, license(number, token), undefined, widevine(scope, randomBytes(16), limit));
      }),
    );
    expect(verdicts.filter((v) => v === 'granted')).toHaveLength(3);
    expect(verdicts.filter((v) => v === 'too-many-streams')).toHaveLength(17);
    expect(await liveStreams(number)).toBe(3);
    expect(await credits(number)).toBe(97n);
  });

  it('a FairPlay CKC of a live stream extends it at the limit; the third stream, either DRM, is -9004', async () => {
    const { number } = await account(100n);
    const ledger = new RedemptionLedger(db.pool);
    const limit = { accountMaxStreams: 2 };
    const [fpToken, wvToken] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
    const fpScope = streamScope(fpToken, number, 'alice');
    const wvScope = streamScope(wvToken, number, 'bob');
    const [fpStream, wvStream] = [randomBytes(32), randomBytes(16)];
    expect(await ledger.redeem(number, ckc(number, fpToken), undefined, fairPlay(fpScope, fpStream, limit))).toBe(
      'granted',
    );
    expect(await ledger.redeem(number, license(number, wvToken), undefined, widevine(wvScope, wvStream, limit))).toBe(
      'granted',
    );
    // The same playback again (a lease renewal, another key of the title): no new slot.
    expect(await ledger.redeem(number, ckc(number, fpToken), undefined, fairPlay(fpScope, fpStream, limit, true))).toBe(
      'granted',
    );
    expect(
      await ledger.redeem(number, ckc(number, fpToken), undefined, fairPlay(fpScope, randomBytes(32), limit)),
    ).toBe('too-many-streams');
    expect(
      await ledger.redeem(number, license(number, wvToken), undefined, widevine(wvScope, randomBytes(16), limit)),
    ).toBe('too-many-streams');
    expect(await resultCodes(db.pool, fpToken)).toEqual([
      { result_code: -9004, n: 1 },
      { result_code: 0, n: 2 },
    ]);
  });

  it('deny: a lease renewal of a stream the account never counted is a new stream, -9004 when full, never -9005', async () => {
    const { number } = await account(100n);
    const ledger = new RedemptionLedger(db.pool);
    const limit = { accountMaxStreams: 1 };
    const token = randomBytes(16).toString('hex');
    const scope = streamScope(token, number, null);
    // Playbacks under way when the account set its limit: their streams were never recorded.
    const [playing, other] = [randomBytes(32), randomBytes(32)];
    expect(await ledger.redeem(number, ckc(number, token), undefined, fairPlay(scope, playing, limit, true))).toBe(
      'granted',
    );
    expect(await ledger.redeem(number, ckc(number, token), undefined, fairPlay(scope, other, limit, true))).toBe(
      'too-many-streams',
    );
    expect(await ledger.redeem(number, ckc(number, token), undefined, fairPlay(scope, playing, limit, true))).toBe(
      'granted',
    );
    expect(await liveStreams(number)).toBe(1);
  });

  it('stopOldest: a FairPlay stream stops the account’s oldest, a Widevine one; a stopped FairPlay renewal is -9005', async () => {
    const { number } = await account(100n);
    const ledger = new RedemptionLedger(db.pool);
    const limit = { accountMaxStreams: 1, accountStopOldest: true };
    const [wvToken, fpToken] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
    const wvScope = streamScope(wvToken, number, 'bob');
    const fpScope = streamScope(fpToken, number, 'alice');
    const wvStream = randomBytes(16);
    const [a, b] = [randomBytes(32), randomBytes(32)];
    expect(await ledger.redeem(number, license(number, wvToken), undefined, widevine(wvScope, wvStream, limit))).toBe(
      'granted',
    );
    expect(await ledger.redeem(number, ckc(number, fpToken), undefined, fairPlay(fpScope, a, limit))).toBe('granted');
    expect(await ledger.renewStream(wvScope, wvStream, 60)).toBe(false);
    expect(await ledger.redeem(number, ckc(number, fpToken), undefined, fairPlay(fpScope, b, limit))).toBe('granted');
    expect(await ledger.redeem(number, ckc(number, fpToken), undefined, fairPlay(fpScope, a, limit, true))).toBe(
      'stream-stopped',
    );
    expect(await ledger.redeem(number, ckc(number, fpToken), undefined, fairPlay(fpScope, b, limit, true))).toBe(
      'granted',
    );
    expect(await liveStreams(number)).toBe(1);
    expect(await credits(number)).toBe(96n);
  });
});
