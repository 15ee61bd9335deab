import fc from 'fast-check';
import type { ErrorCode } from '../errors';
import { readEnvelope, readErrorFormat } from './parse-envelope';
import { AUTHENTICATOR, SECRET, attempt, paramsOfQuery } from './testing/requests';
import type { ErrorFormat, RawParams } from './types';

const AUTH: RawParams = [['customerAuthenticator', AUTHENTICATOR]];

describe('readErrorFormat', () => {
  it.each<[string, RawParams, ErrorFormat]>([
    ['absent', [], 'html'],
    ['json', [['errorFormat', 'json']], 'json'],
    ['html', [['errorFormat', 'html']], 'html'],
    ['JSON (values are case-sensitive)', [['errorFormat', 'JSON']], 'html'],
    ['xml', [['errorFormat', 'xml']], 'html'],
    ['empty', [['errorFormat', '']], 'html'],
    [
      'json twice (the same value repeated is that value)',
      [
        ['errorFormat', 'json'],
        ['errorFormat', 'json'],
      ],
      'json',
    ],
    [
      'json, html, json',
      [
        ['errorFormat', 'json'],
        ['errorFormat', 'html'],
        ['errorFormat', 'json'],
      ],
      'html',
    ],
    [
      'json and xml',
      [
        ['errorFormat', 'json'],
        ['errorFormat', 'xml'],
      ],
      'html',
    ],
    ['another name', [['ErrorFormat', 'json']], 'html'],
    ['json among other parameters', [...AUTH, ['kid', 'x'], ['errorFormat', 'json'], ['cookie', 'c']], 'json'],
  ])('%s → %s', (_label, params, format) => {
    expect(readErrorFormat(params)).toBe(format);
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('errorFormat', 'x'), fc.string())), (params) => {
        expect(['html', 'json']).toContain(readErrorFormat(params));
      }),
    );
  });
});

describe('readEnvelope', () => {
  it('reads the seed authenticator', () => {
    expect(readEnvelope(paramsOfQuery('customerAuthenticator=201722,1ad8eed133edf43cbcc185f0236828ae'))).toEqual({
      errorFormat: 'html',
      authenticator: { account: 201722, secret: '1ad8eed133edf43cbcc185f0236828ae' },
    });
  });

  it('lower-cases the secret and keeps the account number', () => {
    expect(
      readEnvelope([
        ['customerAuthenticator', '000000000000042,1AD8EED133EDF43CBCC185F0236828AE'],
        ['errorFormat', 'json'],
      ]),
    ).toEqual({
      errorFormat: 'json',
      authenticator: { account: 42, secret: SECRET },
    });
  });

  it('reads the authenticator repeated with the same value, and the largest account number', () => {
    expect(readEnvelope([...AUTH, ...AUTH, ['errorFormat', 'json'], ['errorFormat', 'json']])).toEqual(
      readEnvelope([...AUTH, ['errorFormat', 'json']]),
    );
    expect(readEnvelope([['customerAuthenticator', `2147483647,${SECRET}`]]).authenticator.account).toBe(2147483647);
  });

  it('accepts the URL-encoded comma', () => {
    expect(readEnvelope(paramsOfQuery(`customerAuthenticator=201722%2C${SECRET}`)).authenticator.account).toBe(201722);
  });

  it('ignores everything else', () => {
    expect(readEnvelope([...AUTH, ['kid', ''], ['kid', ''], ['useHttps', 'true']]).errorFormat).toBe('html');
  });

  it.each<[string, RawParams, ErrorCode, number, string | undefined]>([
    ['errorFormat xml', [...AUTH, ['errorFormat', 'xml']], -3004, 400, 'xml'],
    ['errorFormat JSON', [...AUTH, ['errorFormat', 'JSON']], -3004, 400, 'JSON'],
    ['errorFormat with markup', [...AUTH, ['errorFormat', '<script>']], -3004, 400, 'errorFormat must be html or json'],
    ['errorFormat long', [...AUTH, ['errorFormat', 'x'.repeat(17)]], -3004, 400, 'errorFormat must be html or json'],
    ['errorFormat empty', [...AUTH, ['errorFormat', '']], -3004, 400, 'errorFormat given without a value'],
    [
      'errorFormat twice',
      [...AUTH, ['errorFormat', 'json'], ['errorFormat', 'html']],
      -3004,
      400,
      'errorFormat given more than once with different values',
    ],
    ['errorFormat checked before the authenticator', [['errorFormat', 'xml']], -3004, 400, 'xml'],
    ['no authenticator', [['errorFormat', 'json']], -2017, 401, 'customerAuthenticator is required'],
    ['authenticator empty', [['customerAuthenticator', '']], -2017, 401, 'customerAuthenticator given without a value'],
    [
      'misspelt customerAuthenticate (names are case-sensitive and exact)',
      [['customerAuthenticate', AUTHENTICATOR]],
      -2017,
      401,
      'customerAuthenticator is required',
    ],
    [
      'authenticator twice',
      [...AUTH, ['customerAuthenticator', `201723,${SECRET}`]],
      -2018,
      401,
      'customerAuthenticator given more than once with different values',
    ],
    [
      'account number 2147483648 (past any account: PostgreSQL integers)',
      [['customerAuthenticator', `2147483648,${SECRET}`]],
      -2018,
      401,
      'unknown account or secret',
    ],
    [
      'account number of 15 nines',
      [['customerAuthenticator', `999999999999999,${SECRET}`]],
      -2018,
      401,
      'unknown account or secret',
    ],
    ['secret only', [['customerAuthenticator', SECRET]], -2018, 401, undefined],
    ['secret of 31 digits', [['customerAuthenticator', `201722,${SECRET.slice(1)}`]], -2018, 401, undefined],
    ['secret of 33 digits', [['customerAuthenticator', `201722,${SECRET}0`]], -2018, 401, undefined],
    ['secret not hex', [['customerAuthenticator', `201722,${SECRET.slice(1)}g`]], -2018, 401, undefined],
    ['account not a number', [['customerAuthenticator', `acme,${SECRET}`]], -2018, 401, undefined],
    ['account of 16 digits', [['customerAuthenticator', `1234567890123456,${SECRET}`]], -2018, 401, undefined],
    ['space after the comma', [['customerAuthenticator', `201722, ${SECRET}`]], -2018, 401, undefined],
    ['semicolon', [['customerAuthenticator', `201722;${SECRET}`]], -2018, 401, undefined],
    ['a megabyte', [['customerAuthenticator', `201722,${SECRET}`.repeat(20_000)]], -2018, 401, undefined],
  ])('%s → %i (HTTP %i)', (_label, params, code, status, details) => {
    const error = attempt(() => readEnvelope(params));
    expect([error.code, error.status]).toEqual([code, status]);
    expect(error.details).toBe(details ?? 'malformed: expected <account number>,<32 hex digits>');
    expect(error.message.toLowerCase()).not.toContain(SECRET.slice(0, 16));
  });

  it('never puts the secret in an error', () => {
    const hex32 = fc.stringMatching(/^[0-9a-fA-F]{32}$/);
    fc.assert(
      fc.property(hex32, fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (secret, before, after) => {
        let message = '';
        try {
          readEnvelope([['customerAuthenticator', `${before}${secret}${after}`]]);
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message.toLowerCase()).not.toContain(secret.toLowerCase());
      }),
    );
  });
});
