import { randomBytes } from 'node:crypto';
import { AccountRepository } from '../src/accounts/account-repository';
import { useDatabase } from './support';

describe('AccountRepository (real Postgres)', () => {
  const db = useDatabase();
  const hashes = () => ({ test: randomBytes(32), production: randomBytes(32) });

  it('creates an account with a six-digit number and one authenticator per environment', async () => {
    const repo = new AccountRepository(db.prisma);
    const h = hashes();
    const account = await repo.create({
      name: 'Acme',
      credits: 10n,
      widevineEnabled: true,
      fairplayAuthorized: true,
      fairplayEnabled: false,
      authenticatorHashes: h,
    });
    expect(account.number).toBeGreaterThanOrEqual(100000);
    expect(account.number).toBeLessThan(1000000);
    expect(account).toMatchObject({ name: 'Acme', status: 'active', credits: 10n, fairplayEnabled: false });
    const credentials = await repo.credentials(account.number);
    expect(credentials?.hashes.test).toEqual([h.test]);
    expect(credentials?.hashes.production).toEqual([h.production]);
  });

  it('updates credits and options, and tells an unknown account apart', async () => {
    const repo = new AccountRepository(db.prisma);
    const account = await repo.create({
      name: 'B',
      credits: null,
      widevineEnabled: true,
      fairplayAuthorized: true,
      fairplayEnabled: true,
      authenticatorHashes: hashes(),
    });
    expect(
      (await repo.update(account.number, { credits: 5n, status: 'disabled', widevineEnabled: false }))?.credits,
    ).toBe(5n);
    expect(await repo.findByNumber(account.number)).toMatchObject({ status: 'disabled', widevineEnabled: false });
    expect(await repo.update(1, { credits: 1n })).toBeNull();
    expect(await repo.credentials(1)).toBeNull();
  });

  it('adds and revokes authenticators; revoked ones no longer authenticate', async () => {
    const repo = new AccountRepository(db.prisma);
    const account = await repo.create({
      name: 'C',
      credits: null,
      widevineEnabled: true,
      fairplayAuthorized: true,
      fairplayEnabled: true,
      authenticatorHashes: hashes(),
    });
    const extra = Buffer.alloc(32, 0xab);
    const added = await repo.addAuthenticator(account.number, 'test', extra, 'rotation');
    expect(added).toMatchObject({ environment: 'test', label: 'rotation', revokedAt: null });
    expect((await repo.credentials(account.number))?.hashes.test).toHaveLength(2);
    expect(await repo.revokeAuthenticator(account.number, added!.id)).toBe(true);
    expect(await repo.revokeAuthenticator(account.number, added!.id)).toBe(false);
    expect((await repo.credentials(account.number))?.hashes.test).toHaveLength(1);
    expect(await repo.addAuthenticator(1, 'test', Buffer.alloc(32, 1), null)).toBeNull();
    expect((await repo.authenticators(account.number)).map((a) => a.revokedAt === null)).toEqual([true, true, false]);
  });
});
