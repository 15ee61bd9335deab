import { ExpressPlayError } from '../errors';
import type { RawParams } from '../request/types';
import { KeystoreError } from './keystore-error';
import {
  type KeyObjectBody,
  MAX_BATCH_KIDS,
  parseDateTime,
  parseKidList,
  readKek,
  readKeyObject,
  readKeyPage,
  readKeystoreAuthenticator,
} from './keystore-request';

const SECRET = '1ad8eed133edf43cbcc185f0236828ae';
const KID = 'b366360da82e9c6e0b0984002a362cf2';
const KEK = '000102030405060708090a0b0c0d0e0f';
const KEY = '00112233445566778899aabbccddeeff';
const EK = '1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5';

/** The code an operation fails with: a spec code (ExpressPlayError) or an HTTP status (KeystoreError). */
function codeOf(run: () => unknown): number {
  try {
    run();
  } catch (error) {
    if (error instanceof ExpressPlayError) {
      expect(error.status).toBe(error.code === -2017 || error.code === -2018 ? 401 : 400);
      return error.code;
    }
    if (error instanceof KeystoreError) {
      expect(error.message).toBe(`[${error.status}] ${error.details}`);
      expect(JSON.parse(JSON.stringify(error))).toEqual({ code: error.status, message: error.message });
      return error.status;
    }
    throw error;
  }
  throw new Error('expected a failure');
}

const json = (value: unknown) => ({ json: JSON.stringify(value) });

describe('readKeystoreAuthenticator', () => {
  it('reads the authenticator from the parameters, as token requests do', () => {
    expect(readKeystoreAuthenticator([['customerAuthenticator', `201722,${SECRET.toUpperCase()}`]])).toEqual({
      account: 201722,
      secret: SECRET,
    });
  });

  it.each<[string, RawParams, number]>([
    ['none', [], -2017],
    ['an empty one', [['customerAuthenticator', '']], -2017],
    [
      'two different ones',
      [
        ['customerAuthenticator', `1,${SECRET}`],
        ['customerAuthenticator', `2,${SECRET}`],
      ],
      -2018,
    ],
    ['an account number past 2147483647', [['customerAuthenticator', `2147483648,${SECRET}`]], -2018],
    ['a malformed one', [['customerAuthenticator', `1;${SECRET}`]], -2018],
  ])('refuses %s with the token API codes', (_label, params, code) => {
    expect(codeOf(() => readKeystoreAuthenticator(params))).toBe(code);
  });

  it('does not read errorFormat (the key store always answers JSON)', () => {
    expect(() =>
      readKeystoreAuthenticator([
        ['errorFormat', 'xml'],
        ['customerAuthenticator', `1,${SECRET}`],
      ]),
    ).not.toThrow();
  });
});

describe('readKek', () => {
  it('reads 32 hex digits in either case, or nothing', () => {
    expect(readKek([['kek', KEK.toUpperCase()]])?.toString('hex')).toBe(KEK);
    expect(readKek([['other', 'x']])).toBeNull();
  });

  it('reads a kek repeated with the same value (query and body alike) as that kek', () => {
    expect(
      readKek([
        ['kek', KEK],
        ['kek', KEK],
      ])?.toString('hex'),
    ).toBe(KEK);
  });

  it.each<[string, RawParams]>([
    ['non-hex', [['kek', 'zz0102030405060708090a0b0c0d0e0f']]],
    ['30 digits', [['kek', KEK.slice(2)]]],
    ['48 digits', [['kek', `${KEK}0001020304050607`]]],
    ['empty', [['kek', '']]],
    [
      'twice with different values',
      [
        ['kek', KEK],
        ['kek', KEK.toUpperCase()],
      ],
    ],
    ['a megabyte', [['kek', 'a'.repeat(1_000_000)]]],
  ])('refuses %s with -4024 without echoing it', (_label, params) => {
    expect(codeOf(() => readKek(params))).toBe(-4024);
    try {
      readKek(params);
    } catch (error) {
      expect((error as Error).message).not.toContain(KEK);
    }
  });
});

describe('readKeyPage', () => {
  it('defaults to the first 100 keys', () => {
    expect(readKeyPage([])).toEqual({ after: null, limit: 100 });
  });

  it('reads limit and a kid to continue after, in either form', () => {
    expect(
      readKeyPage([
        ['limit', '1000'],
        ['after', KID.toUpperCase()],
      ]),
    ).toEqual({ after: Buffer.from(KID, 'hex'), limit: 1000 });
    expect(readKeyPage([['after', '^kid1']]).after?.toString('hex')).toBe('80ea8bc8a58f990ad1f76bc665b30bfa');
  });

  it.each<[string, RawParams, number]>([
    ['limit 0', [['limit', '0']], 400],
    ['limit 1001', [['limit', '1001']], 400],
    ['limit -1', [['limit', '-1']], 400],
    ['limit x', [['limit', 'x']], 400],
    ['an empty limit', [['limit', '']], 400],
    [
      'two limits',
      [
        ['limit', '1'],
        ['limit', '2'],
      ],
      400,
    ],
    ['after of 30 digits', [['after', KID.slice(2)]], -4020],
    ['after not hex', [['after', 'xyz']], -4022],
    ['an empty after', [['after', '']], -4018],
  ])('refuses %s', (_label, params, code) => {
    expect(codeOf(() => readKeyPage(params))).toBe(code);
  });
});

describe('parseKidList', () => {
  it('reads one or several kids in any form, in order, duplicates kept', () => {
    expect(parseKidList(`${KID},^kid1,${KID.toUpperCase()}`).map((kid) => kid.toString('hex'))).toEqual([
      KID,
      '80ea8bc8a58f990ad1f76bc665b30bfa',
      KID,
    ]);
    expect(parseKidList('^my movie').map((kid) => kid.toString('hex'))).toHaveLength(1);
  });

  it.each<[string, string, number]>([
    ['an empty path item', '', -4018],
    ['a trailing comma', `${KID},`, -4018],
    ['a kid of 30 digits', KID.slice(2), -4020],
    ['a kid of 33 digits', `${KID}0`, -4020],
    ['a non-hex kid', `${KID.slice(1)}g`, -4022],
    ['a UUID', 'b366360d-a82e-9c6e-0b09-84002a362cf2', -4022],
    ['^ alone', '^', -4022],
    ['a name of 65 characters', `^${'n'.repeat(65)}`, -4021],
    ['a name outside ASCII', '^clé', -4022],
    ['one bad kid among good ones', `${KID},nothex,${KID}`, -4022],
    [
      `${MAX_BATCH_KIDS + 1} kids`,
      Array(MAX_BATCH_KIDS + 1)
        .fill(KID)
        .join(','),
      400,
    ],
    ['a megabyte', ','.repeat(1_000_000), 400],
  ])('refuses %s', (_label, segment, code) => {
    expect(codeOf(() => parseKidList(segment))).toBe(code);
  });
});

describe('readKeyObject', () => {
  it('reads every field of a key object, hex in either case', () => {
    const input = readKeyObject(
      json({
        kid: KID.toUpperCase(),
        k: KEY,
        ek: EK.toUpperCase(),
        kekId: '#1.afe008a381bdac03b412a92d54b92ddfad769991',
        info: 'ünïcode ok',
        contentId: 'movie-42',
        expiration: '2030-01-01T00:00:00Z',
      }),
    );
    expect(input).toEqual({
      kid: Buffer.from(KID, 'hex'),
      k: Buffer.from(KEY, 'hex'),
      ek: Buffer.from(EK, 'hex'),
      kekId: '#1.AFE008A381BDAC03B412A92D54B92DDFAD769991',
      info: 'ünïcode ok',
      contentId: 'movie-42',
      expiration: new Date('2030-01-01T00:00:00Z'),
    });
  });

  it('maps ^name kids, ignores unknown fields and reads null as "none"', () => {
    expect(readKeyObject(json({ kid: '^kid1', lastUpdate: 'whatever', other: 1 }))).toEqual({
      kid: Buffer.from('80ea8bc8a58f990ad1f76bc665b30bfa', 'hex'),
    });
    expect(readKeyObject(json({ kid: null, k: null, info: null, contentId: null, expiration: null }))).toEqual({
      info: null,
      contentId: null,
      expiration: null,
    });
  });

  it('reads no body, a blank body and a form body as an empty key object', () => {
    expect(readKeyObject(undefined)).toEqual({});
    expect(readKeyObject(null)).toEqual({});
    expect(readKeyObject({ json: ' \n' })).toEqual({});
    expect(readKeyObject('customerAuthenticator=1%2Cab&kek=00')).toEqual({});
  });

  it('treats __proto__ as an ordinary unknown field', () => {
    expect(readKeyObject({ json: '{"__proto__":{"kid":"x"},"info":"a"}' })).toEqual({ info: 'a' });
  });

  it.each<[string, KeyObjectBody, number]>([
    ['JSON sent as a form', `{"kid":"${KID}"}`, 415],
    ['not JSON', { json: '{kid:1}' }, 400],
    ['JSON sent as a form, after blanks', ' [1]', 415],
    ['an array', json([{ kid: KID }]), 400],
    ['a string', json('kid'), 400],
    ['JSON null', json(null), 400],
    ['a kid number', json({ kid: 1 }), -4022],
    ['an empty kid', json({ kid: '' }), -4018],
    ['a kid of 31 digits', json({ kid: KID.slice(1) }), -4020],
    ['a non-hex kid', json({ kid: 'x'.repeat(32) }), -4022],
    ['a kid name too long', json({ kid: `^${'a'.repeat(65)}` }), -4021],
    ['k not hex', json({ k: 'g'.repeat(32) }), -2005],
    ['k of 30 digits', json({ k: KEY.slice(2) }), -2027],
    ['k of 64 digits', json({ k: KEY + KEY }), -2027],
    ['an empty k', json({ k: '' }), -2027],
    ['k a number', json({ k: 12 }), -2005],
    ['ek of 32 digits', json({ ek: KEY }), -4024],
    ['ek not hex', json({ ek: 'z'.repeat(48) }), -4024],
    ['ek an array', json({ ek: [EK] }), -4024],
    ['a kekId of 32 digits (SKeyMa)', json({ kekId: '#1.afe008a381bdac03b412a92d54b92ddf' }), -4024],
    ['a kekId without #1.', json({ kekId: 'AFE008A381BDAC03B412A92D54B92DDFAD769991' }), -4024],
    ['info a number', json({ info: 5 }), 400],
    ['info with a newline', json({ info: 'a\nb' }), 400],
    ['info of 1025 characters', json({ info: 'i'.repeat(1025) }), 400],
    ['an empty contentId', json({ contentId: '' }), -6005],
    ['contentId of 257 characters', json({ contentId: 'c'.repeat(257) }), -6005],
    ['contentId with a control character', json({ contentId: 'a\u0007' }), -6005],
    ['contentId a number', json({ contentId: 42 }), -6005],
    ['an expiration in seconds', json({ expiration: 1893456000 }), 400],
    ['an expiration without offset', json({ expiration: '2030-01-01T00:00:00' }), 400],
    ['an expiration on 30 February', json({ expiration: '2030-02-30T00:00:00Z' }), 400],
  ])('refuses %s', (_label, body, code) => {
    expect(codeOf(() => readKeyObject(body))).toBe(code);
  });

  it('checks kid before k before ek', () => {
    expect(codeOf(() => readKeyObject(json({ kid: 'x', k: 'y', ek: 'z' })))).toBe(-4022);
    expect(codeOf(() => readKeyObject(json({ k: 'y', ek: 'z' })))).toBe(-2005);
  });

  it('never echoes a key in its errors', () => {
    for (const body of [json({ k: `${KEY}00` }), json({ ek: `${EK}00` })]) {
      try {
        readKeyObject(body);
      } catch (error) {
        expect((error as Error).message).not.toContain(KEY);
        expect((error as Error).message).not.toContain(EK);
      }
    }
  });
});

describe('parseDateTime', () => {
  it.each([
    ['2030-01-01T00:00:00Z', '2030-01-01T00:00:00.000Z'],
    ['2030-01-01T05:30:00+05:30', '2030-01-01T00:00:00.000Z'],
    ['2028-02-29T23:59:59.5Z', '2028-02-29T23:59:59.500Z'],
  ])('reads %s', (value, iso) => {
    expect(parseDateTime(value).toISOString()).toBe(iso);
  });

  it.each([
    '2029-02-29T00:00:00Z',
    '2030-01-01T24:00:00Z',
    '2030-01-01T00:00:60Z',
    '1969-12-31T23:59:59Z',
    '2030-01-01 00:00:00Z',
    '2030-01-01T00:00:00+24:00',
    '',
  ])('refuses %j', (value) => {
    expect(codeOf(() => parseDateTime(value))).toBe(400);
  });
});
