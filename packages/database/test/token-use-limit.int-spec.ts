import { createHash, randomBytes } from 'node:crypto';
import { AccountRepository } from '../src/accounts/account-repository';
import { RedemptionLedger, type TokenUseLimit } from '../src/audit/redemption-ledger';
import { createAccount, redemptionRow, resultCodes, useDatabase } from './support';

const row = (accountNumber: number, tokenId: string) => redemptionRow(accountNumber, tokenId, { cookie: 'limit' });

const hash = (text: string) => createHash('sha256').update(text).digest();
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
const use = (limit: number, request: string, tokenExpiresAt = inAnHour()): TokenUseLimit => ({
  limit,
  requestHash: hash(request),
  tokenExpiresAt,
});

describe('RedemptionLedger with use-limited tokens (real Postgres)', () => {
  const db = useDatabase();
  const account = (credits: bigint | null) => createAccount(db.prisma, credits, 'U');
  const codes = (tokenId: string) => resultCodes(db.pool, tokenId);

  it('grants a one-time token once among 30 concurrent requests from two ledgers, the rest -9002', async () => {
    const { number } = await account(100n);
    const token = randomBytes(16).toString('hex');
    const ledgers = [new RedemptionLedger(db.pool), new RedemptionLedger(db.pool)];
    const verdicts = await Promise.all(
      Array.from({ length: 30 }, (_, i) => ledgers[i % 2].redeem(number, row(number, token), use(1, `req ${i}`))),
    );
    expect(verdicts.filter((v) => v === 'granted')).toHaveLength(1);
    expect(verdicts.filter((v) => v === 'used-up')).toHaveLength(29);
    expect(await codes(token)).toEqual([
      { result_code: -9002, n: 29 },
      { result_code: 0, n: 1 },
    ]);
    expect((await new AccountRepository(db.prisma).findByNumber(number))?.credits).toBe(99n);
  });

  it('delivers a retry of the used request again without another use or credit', async () => {
    const { number } = await account(10n);
    const token = randomBytes(16).toString('hex');
    const ledger = new RedemptionLedger(db.pool);
    expect(await ledger.redeem(number, row(number, token), use(1, 'same'))).toBe('granted');
    expect(await ledger.redeem(number, row(number, token), use(1, 'same'))).toBe('retry');
    expect(await ledger.redeem(number, row(number, token), use(1, 'other'))).toBe('used-up');
    const { rows } = await db.pool.query('SELECT uses FROM token_uses WHERE token_id = $1', [token]);
    expect(rows).toEqual([{ uses: 1 }]);
    expect((await new AccountRepository(db.prisma).findByNumber(number))?.credits).toBe(9n);
    const messages = await db.pool.query<{ message: string | null }>(
      'SELECT message FROM audit_events WHERE token_id = $1 ORDER BY id',
      [token],
    );
    expect(messages.rows.map((r) => r.message)).toEqual([
      null,
      'a retry of a request that used the token: not another use',
      '[-9002] Token use limit reached: the token has no use left',
    ]);
  });

  it('counts a limit of 3 in one batch, and mixes with tokens without a limit', async () => {
    const { number } = await account(null);
    const limited = randomBytes(16).toString('hex');
    const free = randomBytes(16).toString('hex');
    const ledger = new RedemptionLedger(db.pool);
    const verdicts = await Promise.all([
      ...Array.from({ length: 8 }, (_, i) => ledger.redeem(number, row(number, limited), use(3, `r${i}`))),
      ...Array.from({ length: 5 }, () => ledger.redeem(number, row(number, free))),
    ]);
    expect(verdicts.slice(0, 8).filter((v) => v === 'granted')).toHaveLength(3);
    expect(verdicts.slice(8)).toEqual(Array(5).fill('granted'));
    expect(await codes(free)).toEqual([{ result_code: 0, n: 5 }]);
  });

  it('spends no use when the account has no credit', async () => {
    const { number } = await account(0n);
    const token = randomBytes(16).toString('hex');
    const ledger = new RedemptionLedger(db.pool);
    expect(await ledger.redeem(number, row(number, token), use(1, 'a'))).toBe('no-credit');
    const { rows } = await db.pool.query('SELECT uses FROM token_uses WHERE token_id = $1', [token]);
    expect(rows).toEqual([{ uses: 0 }]);
  });

  it("deletes tokens' counts once they have expired, when a later limited batch runs", async () => {
    const { number } = await account(null);
    const old = randomBytes(16).toString('hex');
    const ledger = new RedemptionLedger(db.pool);
    const longAgo = Math.floor(Date.now() / 1000) - 7200;
    expect(await ledger.redeem(number, row(number, old), use(1, 'x', longAgo))).toBe('granted');
    const fresh = randomBytes(16).toString('hex');
    expect(await ledger.redeem(number, row(number, fresh), use(1, 'y'))).toBe('granted');
    const { rows } = await db.pool.query<{ token_id: string }>(
      'SELECT token_id FROM token_uses WHERE token_id = ANY($1)',
      [[old, fresh]],
    );
    expect(rows).toEqual([{ token_id: fresh }]);
    const requests = await db.pool.query('SELECT count(*)::int AS n FROM token_use_requests WHERE token_id = $1', [
      old,
    ]);
    expect(requests.rows).toEqual([{ n: 0 }]);
  });
});
