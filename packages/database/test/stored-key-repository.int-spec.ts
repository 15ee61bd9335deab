import { randomBytes } from 'node:crypto';
import { AccountRepository } from '../src/accounts/account-repository';
import { StoredKeyRepository } from '../src/keys/stored-key-repository';
import { useDatabase } from './support';

const KEK_ID = `#1.${'A'.repeat(40)}`;
const OTHER_KEK_ID = `#1.${'B'.repeat(40)}`;
const key = (kid: Buffer, fill = 1) => ({ kid, ek: Buffer.alloc(24, fill), kekId: KEK_ID });
const hex = (kids: Buffer[]) => kids.map((kid) => kid.toString('hex'));

describe('StoredKeyRepository (real Postgres)', () => {
  const db = useDatabase();
  const repo = () => new StoredKeyRepository(db.prisma);
  const account = async () =>
    (
      await new AccountRepository(db.prisma).create({
        name: 'K',
        credits: null,
        widevineEnabled: true,
        fairplayAuthorized: true,
        fairplayEnabled: true,
        authenticatorHashes: { test: randomBytes(32), production: randomBytes(32) },
      })
    ).id;

  it('creates a key once, then returns the stored one unchanged', async () => {
    const accountId = await account();
    const kid = randomBytes(16);
    const first = await repo().getOrCreate(accountId, {
      ...key(kid),
      info: 'movie',
      contentId: 'c-1',
      expiration: new Date('2030-01-01T00:00:00Z'),
    });
    expect(first.created).toBe(true);
    expect(first.key).toMatchObject({
      kid,
      ek: Buffer.alloc(24, 1),
      kekId: KEK_ID,
      info: 'movie',
      contentId: 'c-1',
      expiration: new Date('2030-01-01T00:00:00Z'),
    });
    expect(first.key.lastUpdate).toBeInstanceOf(Date);
    const second = await repo().getOrCreate(accountId, key(kid, 2));
    expect(second.created).toBe(false);
    expect(second.key).toEqual(first.key);
  });

  it('gives exactly one of many concurrent creators created=true, and all of them the same row', async () => {
    const accountId = await account();
    const kid = randomBytes(16);
    // Two repositories over one pool stand for two instances; each creator offers a different ek.
    const repos = [repo(), repo()];
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => repos[i % 2].getOrCreate(accountId, key(kid, i + 1))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const winner = results.find((r) => r.created)!.key;
    for (const result of results) expect(result.key.ek.equals(winner.ek)).toBe(true);
    expect(await repo().count(accountId)).toBe(1);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM stored_keys WHERE account_id = $1', [
      accountId,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it('keeps accounts apart: the same kid in two accounts is two keys, and no method reaches the other', async () => {
    const [a, b] = [await account(), await account()];
    const kid = randomBytes(16);
    expect((await repo().getOrCreate(a, key(kid, 1))).created).toBe(true);
    expect(await repo().find(b, kid)).toBeNull();
    expect(await repo().findMany(b, [kid])).toEqual([]);
    expect(await repo().update(b, kid, { info: 'x' })).toBeNull();
    expect(await repo().delete(b, kid)).toBe(false);
    expect(await repo().list(b, { limit: 10 })).toEqual([]);
    expect(await repo().count(b)).toBe(0);
    expect((await repo().getOrCreate(b, key(kid, 2))).created).toBe(true);
    expect((await repo().find(a, kid))?.ek).toEqual(Buffer.alloc(24, 1));
    expect((await repo().find(b, kid))?.ek).toEqual(Buffer.alloc(24, 2));
    expect((await repo().find(a, kid))?.info).toBeNull();
  });

  it('updates partially (null clears), sets lastUpdate, and tells a missing key apart', async () => {
    const accountId = await account();
    const kid = randomBytes(16);
    const { key: created } = await repo().getOrCreate(accountId, { ...key(kid), info: 'a', contentId: 'c' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const updated = await repo().update(accountId, kid, { info: null, expiration: new Date('2031-02-03T04:05:06Z') });
    expect(updated).toMatchObject({
      info: null,
      contentId: 'c',
      expiration: new Date('2031-02-03T04:05:06Z'),
      kekId: KEK_ID,
    });
    expect(updated!.lastUpdate.getTime()).toBeGreaterThan(created.lastUpdate.getTime());
    const rewrapped = await repo().update(accountId, kid, {
      wrapped: { ek: Buffer.alloc(24, 9), kekId: OTHER_KEK_ID },
    });
    expect(rewrapped).toMatchObject({ ek: Buffer.alloc(24, 9), kekId: OTHER_KEK_ID, contentId: 'c' });
    expect(await repo().update(accountId, randomBytes(16), { info: 'x' })).toBeNull();
  });

  it('finds several, deletes, counts and lists page by page in kid order', async () => {
    const accountId = await account();
    const kids = Array.from({ length: 7 }, () => randomBytes(16));
    for (const kid of kids) await repo().getOrCreate(accountId, key(kid));
    expect(await repo().count(accountId)).toBe(7);
    expect(
      hex((await repo().findMany(accountId, [kids[0], kids[3], randomBytes(16)])).map((k) => k.kid)).sort(),
    ).toEqual(hex([kids[0], kids[3]]).sort());
    const sorted = hex(kids).sort();
    const pages: string[][] = [];
    let after: Buffer | null = null;
    for (;;) {
      const page = await repo().list(accountId, { after, limit: 3 });
      if (page.length === 0) break;
      pages.push(hex(page.map((k) => k.kid)));
      after = page[page.length - 1].kid;
    }
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(sorted);
    const listed = await repo().list(accountId, { limit: 1 });
    expect(listed[0]).toMatchObject({
      kid: Buffer.from(sorted[0], 'hex'),
      ek: Buffer.alloc(24, 1),
      kekId: KEK_ID,
      info: null,
    });
    expect(listed[0].lastUpdate).toBeInstanceOf(Date);
    expect(await repo().delete(accountId, kids[0])).toBe(true);
    expect(await repo().delete(accountId, kids[0])).toBe(false);
    expect(await repo().find(accountId, kids[0])).toBeNull();
    expect(await repo().count(accountId)).toBe(6);
  });

  it('refuses rows that are not a 16-byte kid, a 24-byte ek and a full kekId (CHECK constraints)', async () => {
    const accountId = await account();
    await expect(repo().getOrCreate(accountId, { ...key(randomBytes(15)) })).rejects.toThrow();
    await expect(repo().getOrCreate(accountId, { ...key(randomBytes(16)), ek: Buffer.alloc(16) })).rejects.toThrow();
    await expect(
      repo().getOrCreate(accountId, { ...key(randomBytes(16)), kekId: '#1.afe008a381bdac03b412a92d54b92ddf' }),
    ).rejects.toThrow();
  });

  it('removes an account’s keys with the account', async () => {
    const accountId = await account();
    await repo().getOrCreate(accountId, key(randomBytes(16)));
    await db.prisma.account.delete({ where: { id: accountId } });
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM stored_keys WHERE account_id = $1', [
      accountId,
    ]);
    expect(rows[0].n).toBe(0);
  });
});
