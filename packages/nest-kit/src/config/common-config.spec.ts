import { availableParallelism } from 'node:os';
import { databaseOptions } from '../database/database.module';
import { CommonConfig, httpLimits, trustProxyOption, validateConfig } from './common-config';

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
    const set = validateConfig(CommonConfig, {
      ...base,
      DATABASE_CONNECT_TIMEOUT_MS: '500',
      DATABASE_ACQUIRE_TIMEOUT_MS: '700',
      DATABASE_STATEMENT_TIMEOUT_MS: '900',
    });
    expect(databaseOptions(set)).toMatchObject({
      connectTimeoutMs: 500,
      acquireTimeoutMs: 700,
      statementTimeoutMs: 900,
    });
  });

  it.each(['DATABASE_CONNECT_TIMEOUT_MS', 'DATABASE_ACQUIRE_TIMEOUT_MS', 'DATABASE_STATEMENT_TIMEOUT_MS'])(
    'refuses %s of 0 (no limit) or not a number',
    (name) => {
      expect(() => validateConfig(CommonConfig, { ...base, [name]: '0' })).toThrow(
        new RegExp(`^Invalid configuration: ${name}: `),
      );
      expect(() => validateConfig(CommonConfig, { ...base, [name]: 'soon' })).toThrow(
        new RegExp(`^Invalid configuration: ${name}: `),
      );
    },
  );
});

describe('HTTP limits', () => {
  const env = { DATABASE_URL: 'postgresql://localhost/x' };

  it('has defaults a public server can live with, and takes the settings', () => {
    expect(httpLimits(validateConfig(CommonConfig, env))).toEqual({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 72_000,
      maxConnections: 10_000,
      maxHeaderBytes: 16_384,
    });
    expect(
      httpLimits(validateConfig(CommonConfig, { ...env, HTTP_MAX_CONNECTIONS: '50', HTTP_MAX_HEADER_BYTES: '32768' })),
    ).toMatchObject({
      maxConnections: 50,
      maxHeaderBytes: 32_768,
    });
  });

  it('refuses a headers timeout longer than the request timeout, and values out of range', () => {
    expect(() => validateConfig(CommonConfig, { ...env, HTTP_HEADERS_TIMEOUT_MS: '40000' })).toThrow(
      /^Invalid configuration: HTTP_HEADERS_TIMEOUT_MS/,
    );
    expect(() => validateConfig(CommonConfig, { ...env, HTTP_MAX_CONNECTIONS: '0' })).toThrow(
      /^Invalid configuration: HTTP_MAX_CONNECTIONS/,
    );
    expect(() => validateConfig(CommonConfig, { ...env, HTTP_MAX_HEADER_BYTES: '100' })).toThrow(
      /^Invalid configuration: HTTP_MAX_HEADER_BYTES/,
    );
  });
});

describe('WORKERS', () => {
  const base = { DATABASE_URL: 'postgresql://u@127.0.0.1:5432/db' };

  it('defaults to one process outside production and to every available core under NODE_ENV=production', () => {
    expect(validateConfig(CommonConfig, base).WORKERS).toBe(1);
    expect(validateConfig(CommonConfig, { ...base, NODE_ENV: 'test' }).WORKERS).toBe(1);
    expect(validateConfig(CommonConfig, { ...base, NODE_ENV: 'production' }).WORKERS).toBe(availableParallelism());
    expect(validateConfig(CommonConfig, { ...base, NODE_ENV: 'production', WORKERS: '1' }).WORKERS).toBe(1);
    expect(validateConfig(CommonConfig, { ...base, WORKERS: '256' }).WORKERS).toBe(256);
  });

  it.each(['0', '257', '1.5', 'two', '-1'])('refuses WORKERS=%s with one line naming the setting', (value) => {
    expect(() => validateConfig(CommonConfig, { ...base, WORKERS: value })).toThrow(
      'Invalid configuration: WORKERS: WORKERS must be an integer from 1 to 256',
    );
  });
});
