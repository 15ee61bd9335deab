import { databaseOptions } from '../database/database.module';
import { CommonConfig, trustProxyOption, validateConfig } from './common-config';

describe('trustProxyOption', () => {
  it('trusts no proxy unless told, every hop for true, else the listed hops', () => {
    expect(trustProxyOption(undefined)).toBe(false);
    expect(trustProxyOption('true')).toBe(true);
    expect(trustProxyOption('10.0.0.1, 192.168.0.0/16')).toBe('10.0.0.1,192.168.0.0/16');
  });
});

describe('database timeouts', () => {
  const base = { DATABASE_URL: 'postgresql://u@127.0.0.1:5432/db' };

  it('default to a few seconds and reach the pool options', () => {
    const config = validateConfig(CommonConfig, base);
    expect(databaseOptions(config)).toEqual({
      connectionString: base.DATABASE_URL,
      poolSize: 10,
      connectTimeoutMs: 2000,
      acquireTimeoutMs: 2000,
      statementTimeoutMs: 2000,
    });
    const set = validateConfig(CommonConfig, { ...base, DATABASE_CONNECT_TIMEOUT_MS: '500', DATABASE_ACQUIRE_TIMEOUT_MS: '700', DATABASE_STATEMENT_TIMEOUT_MS: '900' });
    expect(databaseOptions(set)).toMatchObject({ connectTimeoutMs: 500, acquireTimeoutMs: 700, statementTimeoutMs: 900 });
  });

  it.each(['DATABASE_CONNECT_TIMEOUT_MS', 'DATABASE_ACQUIRE_TIMEOUT_MS', 'DATABASE_STATEMENT_TIMEOUT_MS'])('refuses %s of 0 (no limit) or not a number', (name) => {
    expect(() => validateConfig(CommonConfig, { ...base, [name]: '0' })).toThrow(new RegExp(`^Invalid configuration: ${name}: `));
    expect(() => validateConfig(CommonConfig, { ...base, [name]: 'soon' })).toThrow(new RegExp(`^Invalid configuration: ${name}: `));
  });
});
