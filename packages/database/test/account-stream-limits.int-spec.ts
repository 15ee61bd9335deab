import { randomBytes } from 'node:crypto';
import { AccountRepository } from '../src/accounts/account-repository';
import { RedemptionLedger, type StreamAdmission, streamScope } from '../src/audit/redemption-ledger';
import { createAccount, redemptionRow, useDatabase } from './support';

// The account-wide stream limit (docs/decisions/0023-account-stream-limits.md), decided by openplay_redeem_batch_usage
// under the account's row lock: streams of every token and user of the account count against one limit.

const row = (accountNumber: number, tokenId: string) => redemptionRow(accountNumber, tokenId);

interface Limits {
  readonly token?: number;
  readonly tokenStopOldest?: boolean;
  readonly account?: number;
  readonly accountStopOldest?: boolean;
}

const stream = (scope: string, limits: Limits): StreamAdmission => ({
  scope,
  sessionId: randomBytes(16),
  maxStreams: limits.token ?? null,
  stopOldest: limits.tokenStopOldest ?? false,
  accountMaxStreams: limits.account ?? null,
  accountStopOldest: limits.accountStopOldest ?? false,
  liveSeconds: 60,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tokenId = () => randomBytes(16).toString('hex');

describe('RedemptionLedger with account-wide stream limits (real Postgres)', () => {
  const db = useDatabase();
  const account = (credits: bigint | null) => createAccount(db.prisma, credits, 'A');
  const accountStreams = async (number: number) =>
    (
      await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM token_streams WHERE account_number = $1', [
        number,
      ])
    ).rows[0].n;

  it('admits exactly 4 of 40 concurrent streams of 10 tokens and users from two ledgers; -9004 spends no credit', async () => {
    const { number } = await account(100n);
    const tokens = Array.from({ length: 10 }, tokenId);
    // Half the tokens name a user by cookie, half do not: the account's limit counts them all.
    const scopes = tokens.map((token, i) => streamScope(token, number, i % 2 ? `user-${i}` : null));
    const ledgers = [new RedemptionLedger(db.pool), new RedemptionLedger(db.pool)];
    const verdicts = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        ledgers[i % 2].redeem(number, row(number, tokens[i % 10]), undefined, stream(scopes[i % 10], { account: 4 })),
      ),
    );
    expect(verdicts.filter((v) => v === 'granted')).toHaveLength(4);
    expect(verdicts.filter((v) => v === 'too-many-streams')).toHaveLength(36);
    const { rows } = await db.pool.query(
      'SELECT result_code, count(*)::int AS n FROM audit_events WHERE account_number = $1 GROUP BY 1 ORDER BY 1',
      [number],
    );
    expect(rows).toEqual([
      { result_code: -9004, n: 36 },
      { result_code: 0, n: 4 },
    ]);
    expect((await new AccountRepository(db.prisma).findByNumber(number))?.credits).toBe(96n);
    expect(await accountStreams(number)).toBe(4);
  });

  it('another account is not counted, and a release frees the account a slot', async () => {
    const [{ number }, other] = [await account(null), await account(null)];
    const ledger = new RedemptionLedger(db.pool);
    const otherToken = tokenId();
    const otherStream = stream(streamScope(otherToken, other.number, null), { account: 1 });
    expect(await ledger.redeem(other.number, row(other.number, otherToken), undefined, otherStream)).toBe('granted');
    const [a, b] = [tokenId(), tokenId()];
    const first = stream(streamScope(a, number, null), { account: 1 });
    expect(await ledger.redeem(number, row(number, a), undefined, first)).toBe('granted');
    const second = stream(streamScope(b, number, 'u'), { account: 1 });
    expect(await ledger.redeem(number, row(number, b), undefined, second)).toBe('too-many-streams');
    await ledger.releaseStream(first.scope, first.sessionId);
    expect(await ledger.redeem(number, row(number, b), undefined, second)).toBe('granted');
  });

  it("a license must fit both the token's limit and the account's", async () => {
    const { number } = await account(null);
    const ledger = new RedemptionLedger(db.pool);
    const [a, b, c] = [tokenId(), tokenId(), tokenId()];
    const redeem = (token: string, limits: Limits) =>
      ledger.redeem(number, row(number, token), undefined, stream(streamScope(token, number, null), limits));
    expect(await redeem(a, { token: 1, account: 3 })).toBe('granted');
    expect(await redeem(a, { token: 1, account: 3 })).toBe('too-many-streams'); // the token's limit
    expect(await redeem(b, { account: 3 })).toBe('granted');
    expect(await redeem(c, { token: 5, account: 3 })).toBe('granted');
    expect(await redeem(c, { token: 5, account: 3 })).toBe('too-many-streams'); // the account's limit
    expect(await accountStreams(number)).toBe(3);
  });

  it("streams of token-limited licenses admitted before the account's limit count against it", async () => {
    const { number } = await account(null);
    const ledger = new RedemptionLedger(db.pool);
    const [a, b] = [tokenId(), tokenId()];
    const scope = streamScope(a, number, 'user-a');
    expect(await ledger.redeem(number, row(number, a), undefined, stream(scope, { token: 2 }))).toBe('granted');
    expect(await ledger.redeem(number, row(number, a), undefined, stream(scope, { token: 2 }))).toBe('granted');
    const late = stream(streamScope(b, number, null), { account: 2 });
    expect(await ledger.redeem(number, row(number, b), undefined, late)).toBe('too-many-streams');
  });

  it("account stopOldest: the new stream is granted and the account's oldest one, of another token, is stopped", async () => {
    const { number } = await account(null);
    const ledger = new RedemptionLedger(db.pool);
    const tokens = [tokenId(), tokenId(), tokenId()];
    const streams = tokens.map((token) =>
      stream(streamScope(token, number, null), { account: 2, accountStopOldest: true }),
    );
    for (const [i, s] of streams.entries()) {
      expect(await ledger.redeem(number, row(number, tokens[i]), undefined, s)).toBe('granted');
      await sleep(5); // distinct start times
    }
    expect(await ledger.renewStream(streams[0].scope, streams[0].sessionId, 60)).toBe(false);
    expect(await ledger.renewStream(streams[1].scope, streams[1].sessionId, 60)).toBe(true);
    expect(await ledger.renewStream(streams[2].scope, streams[2].sessionId, 60)).toBe(true);
    expect(await accountStreams(number)).toBe(2);
  });

  it("the token's stopOldest frees the slot the account's deny limit needs", async () => {
    const { number } = await account(null);
    const ledger = new RedemptionLedger(db.pool);
    const [a, b] = [tokenId(), tokenId()];
    const scopeA = streamScope(a, number, null);
    const limitsA = { token: 1, tokenStopOldest: true, account: 2 };
    const oldA = stream(scopeA, limitsA);
    expect(await ledger.redeem(number, row(number, a), undefined, oldA)).toBe('granted');
    await sleep(5);
    expect(
      await ledger.redeem(number, row(number, b), undefined, stream(streamScope(b, number, null), { account: 2 })),
    ).toBe('granted');
    // The account is full, but the new stream of a stops a's old one: it fits both limits.
    const newA = stream(scopeA, limitsA);
    expect(await ledger.redeem(number, row(number, a), undefined, newA)).toBe('granted');
    expect(await ledger.renewStream(scopeA, oldA.sessionId, 60)).toBe(false);
    expect(await ledger.renewStream(scopeA, newA.sessionId, 60)).toBe(true);
    expect(await accountStreams(number)).toBe(2);
  });
});
