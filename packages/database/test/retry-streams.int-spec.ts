import { randomBytes } from 'node:crypto';
import { AccountRepository } from '../src/accounts/account-repository';
import {
  RedemptionLedger,
  type StreamAdmission,
  streamScope,
  type TokenUseLimit,
} from '../src/audit/redemption-ledger';
import { createAccount, redemptionRow, resultCodes, useDatabase } from './support';

// A use-limited token's retry (the same request within the retry window, docs/decisions/0015-use-limited-tokens.md)
// under a stream limit (0018) or an account limit (0023): the retried answer carries the stream of the first one.

const use = (requestHash: Buffer, limit = 1): TokenUseLimit => ({
  limit,
  requestHash,
  tokenExpiresAt: Math.floor(Date.now() / 1000) + 3600,
});
/** A Widevine license's stream: every answer has a session id of its own. */
const widevine = (scope: string, sessionId: Buffer, limits: Partial<StreamAdmission> = {}): StreamAdmission => ({
  scope,
  sessionId,
  maxStreams: 1,
  stopOldest: false,
  liveSeconds: 60,
  ...limits,
});
/** A FairPlay CKC's stream: its id is fixed by device and content, its life by the lease. */
const fairPlay = (scope: string, sessionId: Buffer, leaseSeconds: number, renewal = false): StreamAdmission => ({
  ...widevine(scope, sessionId),
  leaseSeconds,
  renewal,
});

describe('RedemptionLedger: a use-limited retry keeps its stream (real Postgres)', () => {
  const db = useDatabase();
  const account = (credits: bigint | null) => createAccount(db.prisma, credits, 'R');
  const credits = async (number: number) => (await new AccountRepository(db.prisma).findByNumber(number))?.credits;
  const streams = async (scope: string) =>
    (
      await db.pool.query<{ session: string }>(
        "SELECT encode(session_id, 'hex') AS session FROM token_streams WHERE scope = $1 ORDER BY started_at",
        [scope],
      )
    ).rows.map(({ session }) => session);
  const ids = () => ({ token: randomBytes(16).toString('hex'), hash: randomBytes(32) });

  it('Widevine: the retried license is the stream (its renewals are heartbeats), the first answer’s is not', async () => {
    const { number } = await account(10n);
    const { token, hash } = ids();
    const scope = streamScope(token, number, null);
    const ledger = new RedemptionLedger(db.pool);
    const [first, retried] = [randomBytes(16), randomBytes(16)];
    const row = redemptionRow(number, token);
    expect(await ledger.redeem(number, row, use(hash), widevine(scope, first))).toBe('granted');
    expect(await ledger.redeem(number, row, use(hash), widevine(scope, retried))).toBe('retry');
    expect(await streams(scope)).toEqual([retried.toString('hex')]);
    expect(await ledger.renewStream(scope, retried, 60)).toBe(true);
    expect(await ledger.renewStream(scope, first, 60)).toBe(false);
    // The slot is the one stream's: a new license of the token is refused, as before the retry.
    expect(await ledger.redeem(number, row, use(randomBytes(32), 2), widevine(scope, randomBytes(16)))).toBe(
      'too-many-streams',
    );
    expect(await credits(number)).toBe(9n);
  });

  it('Widevine under the account’s limit only: the retried license is counted and renews', async () => {
    const { number } = await account(10n);
    const { token, hash } = ids();
    const scope = streamScope(token, number, 'alice');
    const ledger = new RedemptionLedger(db.pool);
    const onlyAccount = { maxStreams: null, accountMaxStreams: 1 };
    const [first, retried, again] = [randomBytes(16), randomBytes(16), randomBytes(16)];
    const row = redemptionRow(number, token);
    expect(await ledger.redeem(number, row, use(hash), widevine(scope, first, onlyAccount))).toBe('granted');
    expect(await ledger.redeem(number, row, use(hash), widevine(scope, retried, onlyAccount))).toBe('retry');
    // A second retry moves the stream again: the client holds the last answer.
    expect(await ledger.redeem(number, row, use(hash), widevine(scope, again, onlyAccount))).toBe('retry');
    expect(await streams(scope)).toEqual([again.toString('hex')]);
    expect(await ledger.renewStream(scope, again, 60)).toBe(true);
    expect(await ledger.renewStream(scope, retried, 60)).toBe(false);
    expect(await credits(number)).toBe(9n);
  });

  it('a retry whose stream is gone is a new stream for the limits: -9004 when full, no use and no credit', async () => {
    const { number } = await account(10n);
    const { token, hash } = ids();
    const scope = streamScope(token, number, null);
    const ledger = new RedemptionLedger(db.pool);
    const first = randomBytes(16);
    const row = redemptionRow(number, token);
    expect(await ledger.redeem(number, row, use(hash, 2), widevine(scope, first))).toBe('granted');
    await ledger.releaseStream(scope, first);
    const other = randomBytes(16);
    expect(await ledger.redeem(number, row, use(randomBytes(32), 2), widevine(scope, other))).toBe('granted');
    expect(await ledger.redeem(number, row, use(hash, 2), widevine(scope, randomBytes(16)))).toBe('too-many-streams');
    await ledger.releaseStream(scope, other);
    const retried = randomBytes(16);
    expect(await ledger.redeem(number, row, use(hash, 2), widevine(scope, retried))).toBe('retry');
    expect(await streams(scope)).toEqual([retried.toString('hex')]);
    expect(await credits(number)).toBe(8n);
    const { rows } = await db.pool.query('SELECT uses FROM token_uses WHERE token_id = $1', [token]);
    expect(rows).toEqual([{ uses: 2 }]);
    expect(await resultCodes(db.pool, token)).toEqual([
      { result_code: -9004, n: 1 },
      { result_code: 0, n: 3 },
    ]);
  });

  it('12 concurrent retries from two ledgers: one stream, held by one of the retried answers', async () => {
    const { number } = await account(10n);
    const { token, hash } = ids();
    const scope = streamScope(token, number, null);
    const ledgers = [new RedemptionLedger(db.pool), new RedemptionLedger(db.pool)];
    const row = redemptionRow(number, token);
    expect(await ledgers[0].redeem(number, row, use(hash), widevine(scope, randomBytes(16)))).toBe('granted');
    const sessions = Array.from({ length: 12 }, () => randomBytes(16));
    const verdicts = await Promise.all(
      sessions.map((session, i) => ledgers[i % 2].redeem(number, row, use(hash), widevine(scope, session))),
    );
    expect(verdicts).toEqual(sessions.map(() => 'retry'));
    const held = await streams(scope);
    expect(held).toHaveLength(1);
    expect(sessions.map((s) => s.toString('hex'))).toContain(held[0]);
    expect(await credits(number)).toBe(9n);
  });

  it('FairPlay: a retried SPC renews its stream’s lease from now; the next lease renewal is served', async () => {
    const { number } = await account(10n);
    const { token, hash } = ids();
    const scope = streamScope(token, number, null);
    const ledger = new RedemptionLedger(db.pool);
    const stream = randomBytes(32);
    const row = redemptionRow(number, token, { drm: 'fp', requestType: 'ckc' });
    expect(await ledger.redeem(number, row, use(hash, 2), fairPlay(scope, stream, 1))).toBe('granted');
    expect(await ledger.redeem(number, row, use(hash, 2), fairPlay(scope, stream, 600))).toBe('retry');
    const { rows } = await db.pool.query(
      "SELECT lease_ends_at > now() + interval '500 seconds' AS renewed FROM token_streams WHERE scope = $1",
      [scope],
    );
    expect(rows).toEqual([{ renewed: true }]);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await ledger.redeem(number, row, use(randomBytes(32), 2), fairPlay(scope, stream, 600, true))).toBe(
      'granted',
    );
    expect(await credits(number)).toBe(8n);
  });
});
