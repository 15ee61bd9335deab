import type { AuditEventInput } from '../src/audit/audit-event';
import { AuditQuery } from '../src/audit/audit-query';
import { AuditWriter } from '../src/audit/audit-writer';
import { useDatabase } from './support';

const A = 111111;
const B = 222222;
const t0 = Date.UTC(2026, 0, 1);

const row = (account: number | null, i: number, extra: Partial<AuditEventInput> = {}): AuditEventInput => ({
  at: new Date(t0 + i * 1000),
  kind: 'issuance',
  drm: 'wv',
  environment: 'test',
  accountNumber: account,
  tokenId: `${account}-t${i}`,
  kid: null,
  cookie: `c${i % 3}`,
  resultCode: 0,
  message: null,
  clientAddress: '127.0.0.1',
  userAgent: 'jest',
  ...extra,
});

describe('AuditQuery (real Postgres)', () => {
  const db = useDatabase();
  let query: AuditQuery;

  beforeAll(async () => {
    query = new AuditQuery(db.prisma);
    const writer = new AuditWriter(db.pool);
    // Written one by one so that ids follow time; then rows sharing one time (a group commit) and other accounts.
    for (let i = 0; i < 50; i++) await writer.write(row(A, i));
    await Promise.all([1, 2, 3].map((n) => writer.write(row(A, 100, { tokenId: `same-${n}`, cookie: 'batch' }))));
    for (let i = 0; i < 5; i++) await writer.write(row(B, i, { cookie: 'c0' }));
    await writer.write(row(null, 0, { cookie: 'c0', tokenId: 'anonymous', resultCode: -2018 }));
    await writer.write(
      row(A, 200, {
        kind: 'redemption',
        requestType: 'new',
        device: { systemId: 4445, securityLevel: 3 },
        tokenId: `${A}-t1`,
        cookie: 'c1',
      }),
    );
  });

  it('pages the account’s rows newest first, by time then id', async () => {
    const first = await query.latest(A, { start: 0, length: 5 });
    expect(first.map((r) => r.tokenId)).toEqual([`${A}-t1`, 'same-3', 'same-2', 'same-1', `${A}-t49`]);
    expect(first[0]).toMatchObject({
      kind: 'redemption',
      requestType: 'new',
      device: { systemId: 4445, securityLevel: 3 },
      accountNumber: A,
    });
    const next = await query.latest(A, { start: 5, length: 3 });
    expect(next.map((r) => r.tokenId)).toEqual([`${A}-t48`, `${A}-t47`, `${A}-t46`]);
    expect(await query.latest(A, { start: 54, length: 10 })).toHaveLength(0);
    expect((await query.latest(A, { start: 0, length: 5000 })).length).toBe(54);
    expect(await query.latest(999999, { start: 0, length: 10 })).toEqual([]);
  });

  it('finds an account’s rows by cookie, never another account’s', async () => {
    const c0 = await query.byCookie(A, 'c0');
    expect(c0.length).toBe(17);
    expect(c0.every((r) => r.accountNumber === A && r.cookie === 'c0')).toBe(true);
    expect((await query.byCookie(B, 'c0')).map((r) => r.tokenId)).toEqual([4, 3, 2, 1, 0].map((i) => `${B}-t${i}`));
    expect(await query.byCookie(B, 'batch')).toEqual([]);
    expect(await query.byCookie(A, 'c0', 2)).toHaveLength(2);
  });

  it('finds one row by id only within its account', async () => {
    const [newest] = await query.latest(B, { start: 0, length: 1 });
    expect(await query.byId(B, newest.id)).toEqual(newest);
    expect(await query.byId(A, newest.id)).toBeNull();
    expect(await query.byId(B, 9_000_000_000n)).toBeNull();
  });

  it('searches across accounts by cookie, token id and account, with a limit', async () => {
    const c0 = await query.search({ cookie: 'c0' }, 1000);
    expect(new Set(c0.map((r) => r.accountNumber))).toEqual(new Set([A, B, null]));
    expect((await query.search({ tokenId: `${A}-t1` })).map((r) => r.kind)).toEqual(['redemption', 'issuance']);
    expect(await query.search({ cookie: 'c0', accountNumber: B })).toHaveLength(5);
    expect(await query.search({ accountNumber: A }, 3)).toHaveLength(3);
    expect(() => query.search({})).toThrow(/needs a cookie, a token id or an account number/);
    expect(() => query.latest(A, { start: 0, length: 0 })).toThrow(RangeError);
  });
});
