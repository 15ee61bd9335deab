import {
  formatAuthenticator,
  hashAuthenticatorSecret,
  matchesAnyHash,
  newAuthenticatorSecret,
} from './authenticator-secret';

describe('authenticator secrets', () => {
  const pepper = Buffer.alloc(32, 7);

  it('makes 32-hex secrets that hash the same whatever their case', () => {
    const secret = newAuthenticatorSecret();
    expect(secret).toMatch(/^[0-9a-f]{32}$/);
    expect(hashAuthenticatorSecret(pepper, secret.toUpperCase())).toEqual(hashAuthenticatorSecret(pepper, secret));
  });

  it('depends on the pepper', () => {
    const secret = newAuthenticatorSecret();
    expect(hashAuthenticatorSecret(Buffer.alloc(32, 8), secret)).not.toEqual(hashAuthenticatorSecret(pepper, secret));
  });

  it('matches only a listed hash', () => {
    const a = hashAuthenticatorSecret(pepper, newAuthenticatorSecret());
    const b = hashAuthenticatorSecret(pepper, newAuthenticatorSecret());
    expect(matchesAnyHash(a, [b, a])).toBe(true);
    expect(matchesAnyHash(a, [b])).toBe(false);
    expect(matchesAnyHash(a, [])).toBe(false);
  });

  it('formats <account>,<secret>', () => {
    expect(formatAuthenticator(201722, '1ad8eed133edf43cbcc185f0236828ae')).toBe(
      '201722,1ad8eed133edf43cbcc185f0236828ae',
    );
  });
});
