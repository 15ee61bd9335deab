import { DEV_AUTHENTICATOR_PEPPER, DEV_TOKEN_KEYS, validateTokenGenConfig } from './token-gen.config';

const base = { DATABASE_URL: 'postgresql://u@127.0.0.1:5432/db' };
const realKeys = `7:${'ab'.repeat(32)}`;
const realPepper = 'cd'.repeat(32);

describe('token-gen configuration', () => {
  it('reads OPENPLAY_NATIVE: auto by default (also when empty), required or off, nothing else', () => {
    expect(validateTokenGenConfig(base).OPENPLAY_NATIVE).toBe('auto');
    expect(validateTokenGenConfig({ ...base, OPENPLAY_NATIVE: '' }).OPENPLAY_NATIVE).toBe('auto');
    expect(validateTokenGenConfig({ ...base, OPENPLAY_NATIVE: 'required' }).OPENPLAY_NATIVE).toBe('required');
    expect(validateTokenGenConfig({ ...base, OPENPLAY_NATIVE: 'off' }).OPENPLAY_NATIVE).toBe('off');
    expect(() => validateTokenGenConfig({ ...base, OPENPLAY_NATIVE: 'on' })).toThrow(
      'Invalid configuration: OPENPLAY_NATIVE: OPENPLAY_NATIVE must be auto, required or off',
    );
  });

  it('has working development defaults in the test environment', () => {
    const config = validateTokenGenConfig(base);
    expect(config).toMatchObject({
      TOKEN_GEN_PORT: 8080,
      ENVIRONMENT: 'test',
      RIGHTS_PUBLIC_URL: 'http://localhost:8081',
      TOKEN_KEYS: DEV_TOKEN_KEYS,
      AUTHENTICATOR_PEPPER: DEV_AUTHENTICATOR_PEPPER,
      MAX_BODY_BYTES: 65536,
    });
  });

  it('reads numbers and ignores empty settings', () => {
    expect(
      validateTokenGenConfig({ ...base, TOKEN_GEN_PORT: '9000', DATABASE_POOL_SIZE: '', ACCOUNT_CACHE_TTL_MS: '0' }),
    ).toMatchObject({
      TOKEN_GEN_PORT: 9000,
      DATABASE_POOL_SIZE: 10,
      ACCOUNT_CACHE_TTL_MS: 0,
    });
  });

  it.each([
    [{ DATABASE_URL: undefined }, /^Invalid configuration: DATABASE_URL: /],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgresql:\/\/ connection URL/],
    [{ TOKEN_GEN_PORT: 'eighty' }, /^Invalid configuration: TOKEN_GEN_PORT: /],
    [{ TOKEN_GEN_PORT: '70000' }, /TOKEN_GEN_PORT/],
    [{ ENVIRONMENT: 'staging' }, /ENVIRONMENT must be test or production/],
    [{ RIGHTS_PUBLIC_URL: 'rights.example.com' }, /RIGHTS_PUBLIC_URL must be an http\(s\) URL/],
    [{ AUTHENTICATOR_PEPPER: 'short' }, /AUTHENTICATOR_PEPPER must be 32 to 128 hex digits/],
    [{ TOKEN_KEYS: '1:abc' }, /^Invalid configuration: TOKEN_KEYS: /],
    [{ MAX_BODY_BYTES: '10' }, /MAX_BODY_BYTES/],
    [{ TRUST_PROXY: 'everyone' }, /TRUST_PROXY must be true or comma-separated addresses\/CIDRs/],
    [{ ADMIN_API_KEY: 'short' }, /ADMIN_API_KEY must be 16 to 256 visible ASCII characters/],
    [{ ADMIN_API_KEY: 'has a space in it, so no good' }, /ADMIN_API_KEY must be 16 to 256 visible ASCII characters/],
  ])('refuses %o with one clear line', (change, message) => {
    let error: Error | undefined;
    try {
      validateTokenGenConfig({ ...base, ...change });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('\n');
  });

  it('never prints key material when TOKEN_KEYS is wrong', () => {
    const secret = 'ef'.repeat(31);
    expect(() => validateTokenGenConfig({ ...base, TOKEN_KEYS: `1:${secret}` })).toThrow(/TOKEN_KEYS/);
    try {
      validateTokenGenConfig({ ...base, TOKEN_KEYS: `1:${secret}` });
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('refuses to run production on the development defaults', () => {
    expect(() =>
      validateTokenGenConfig({ ...base, ENVIRONMENT: 'production', AUTHENTICATOR_PEPPER: realPepper }),
    ).toThrow(/TOKEN_KEYS: the development key ring cannot be used in production/);
    expect(() => validateTokenGenConfig({ ...base, ENVIRONMENT: 'production', TOKEN_KEYS: realKeys })).toThrow(
      /AUTHENTICATOR_PEPPER: the development pepper cannot be used in production/,
    );
    expect(
      validateTokenGenConfig({
        ...base,
        ENVIRONMENT: 'production',
        TOKEN_KEYS: realKeys,
        AUTHENTICATOR_PEPPER: realPepper,
      }).ENVIRONMENT,
    ).toBe('production');
  });

  it('leaves the admin API off unless ADMIN_API_KEY is set, and refuses a weak key in production', () => {
    expect(validateTokenGenConfig(base).ADMIN_API_KEY).toBeUndefined();
    expect(validateTokenGenConfig({ ...base, ADMIN_API_KEY: 'dev-admin-key-123' }).ADMIN_API_KEY).toBe(
      'dev-admin-key-123',
    );
    const production = { ...base, ENVIRONMENT: 'production', TOKEN_KEYS: realKeys, AUTHENTICATOR_PEPPER: realPepper };
    for (const weak of ['dev-admin-key-123', 'a'.repeat(64), '12'.repeat(20)]) {
      let error: Error | undefined;
      try {
        validateTokenGenConfig({ ...production, ADMIN_API_KEY: weak });
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message).toMatch(/^Invalid configuration: ADMIN_API_KEY: too weak for production/);
      expect(error?.message).not.toContain(weak);
    }
    const strong = 'f3a9c1e07b5d2468'.repeat(4);
    expect(validateTokenGenConfig({ ...production, ADMIN_API_KEY: strong }).ADMIN_API_KEY).toBe(strong);
  });
});
