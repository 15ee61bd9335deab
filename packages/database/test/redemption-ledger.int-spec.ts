import { AccountRepository } from '../src/accounts/account-repository';
import type { AuditEventInput } from '../src/audit/audit-event';
import { RedemptionLedger } from '../src/audit/redemption-ledger';
import { createAccount, useDatabase } from './support';

const redemption = (accountNumber: number, i: number): AuditEventInput => ({
  kind: 'redemption',
  drm: 'wv',
  environment: 'test',
  accountNumber,
  tokenId: `t${i}`,
  kid: null,
  cookie: 'race',
  resultCode: 0,
  message: null,
  clientAddress: null,
  userAgent: null,
  requestType: 'new',
});

describe('RedemptionLedger (real Postgres)', () => {
  const db = useDatabase();
  const account = (credits: bigint | null) => createAccount(db.prisma, credits, 'L');

  it('grants exactly M of N concurrent redemptions against M credits, with N rows and no lost decrement', async () => {
    const { number } = await account(7n);
    // Two ledgers stand for two rights instances sharing the database.
    const ledgers = [new RedemptionLedger(db.pool), new RedemptionLedger(db.pool)];
    const verdicts = await Promise.all(
      Array.from({ length: 40 }, (_, i) => ledgers[i % 2].redeem(number, redemption(number, i))),
    );
    expect(verdicts.filter((v) => v === 'granted')).toHaveLength(7);
    const { rows } = await db.pool.query(
      'SELECT result_code, count(*)::int AS n FROM audit_events WHERE account_number = $1 GROUP BY result_code ORDER BY result_code',
      [number],
    );
    expect(rows).toEqual([
      { result_code: -2019, n: 33 },
      { result_code: 0, n: 7 },
    ]);
    expect((await new AccountRepository(db.prisma).findByNumber(number))?.credits).toBe(0n);
  });

  it('tells its batch listener each batch size, which together hold every redemption', async () => {
    const { number } = await account(null);
    const ledger = new RedemptionLedger(db.pool);
    const sizes: number[] = [];
    ledger.onBatch((size) => sizes.push(size));
    await Promise.all(Array.from({ length: 40 }, (_, i) => ledger.redeem(number, redemption(number, 300 + i))));
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(40);
    // One batch in flight: the first takes what arrived in its tick, the rest wait and share the next ones.
    expect(sizes.length).toBeLessThan(40);
  });

  it('never limits unlimited accounts', async () => {
    const { number } = await account(null);
    const ledger = new RedemptionLedger(db.pool);
    const verdicts = await Promise.all(
      Array.from({ length: 25 }, (_, i) => ledger.redeem(number, redemption(number, 100 + i))),
    );
    expect(new Set(verdicts)).toEqual(new Set(['granted']));
  });

  it('grants a redemption whose row carries a NUL or a lone surrogate from the device, and the others of its batch', async () => {
    const { number } = await account(3n);
    const ledger = new RedemptionLedger(db.pool);
    const hostile = {
      ...redemption(number, 200),
      device: { systemId: 7777, company: 'evil\u0000\udc80' },
      userAgent: 'ua\u0000',
    };
    const verdicts = await Promise.all([
      ledger.redeem(number, hostile),
      ledger.redeem(number, redemption(number, 201)),
    ]);
    expect(verdicts).toEqual(['granted', 'granted']);
    const { rows } = await db.pool.query("SELECT device, user_agent FROM audit_events WHERE token_id = 't200'");
    expect(rows).toEqual([{ device: { systemId: 7777, company: 'evil\ufffd\ufffd' }, user_agent: 'ua\ufffd' }]);
    expect((await new AccountRepository(db.prisma).findByNumber(number))?.credits).toBe(1n);
  });
});
