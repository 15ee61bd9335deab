import type { ErrorCode } from '../errors';
import { stringKid } from '../keys/kid';
import { parseTokenRequest } from './parse-token-request';
import {
  AUTHENTICATOR,
  CONTENT_KEY,
  DAY,
  EK,
  IV,
  KEK,
  KID,
  NOW,
  OTHER_KEY,
  type Overrides,
  attempt,
  leakedSecrets,
  paramsOf,
  paramsOfQuery,
  parse,
  wrapHex,
} from './testing/requests';
import type { Drm, TokenRequest } from './types';

const hex = (text: string): Buffer => Buffer.from(text, 'hex');
const A = 'a';

// One row per code per DRM where it applies: [drm, what is wrong, parameters changed from VALID[drm], code, status].
type Row = readonly [drm: Drm, label: string, overrides: Overrides, code: ErrorCode, status: number];

const ROWS: readonly Row[] = [
  // -2002 invalid token expiration time
  ['wv', 'expirationTime in the past', { expirationTime: '2006-04-14T12:01:10Z' }, -2002, 400],
  ['wv', 'expirationTime +0', { expirationTime: '+0' }, -2002, 400],
  ['wv', 'expirationTime beyond 30 days', { expirationTime: `+${30 * DAY + 1}` }, -2002, 400],
  ['wv', 'expirationTime not UTC', { expirationTime: '2023-11-15T00:00:00+01:00' }, -2002, 400],
  ['fp', 'expirationTime garbage', { expirationTime: 'tomorrow' }, -2002, 400],
  ['fp', 'expirationTime 31 days ahead', { expirationTime: '2023-12-15T22:13:21Z' }, -2002, 400],
  ['fp', 'expirationTime given twice, differently', { expirationTime: ['+60', '+61'] }, -2002, 400],
  // -2005 invalid content encryption key
  ['wv', 'contentKey not hex', { contentKey: 'g0112233445566778899aabbccddeeff' }, -2005, 400],
  ['wv', 'no contentKey and no kek', { contentKey: null }, -2005, 400],
  ['wv', 'contentKey and kek', { kek: KEK }, -2005, 400],
  ['wv', 'contentKey and kek+ek', { kek: KEK, ek: EK }, -2005, 400],
  ['fp', 'contentKey not hex', { contentKey: `${CONTENT_KEY.slice(0, 31)}-` }, -2005, 400],
  ['fp', 'no key at all', { contentKey: null }, -2005, 400],
  ['fp', 'a kid without kek is not a key', { contentKey: null, kid: KID }, -2005, 400],
  ['fp', 'contentKey and ek', { ek: EK }, -2005, 400],
  ['fp', 'contentKey given twice, differently', { contentKey: [CONTENT_KEY, CONTENT_KEY.toUpperCase()] }, -2005, 400],
  // -2008 / -2040 output control flags (FairPlay accepts PlayReady's parameter)
  ['fp', 'outputControlFlags not hex', { outputControlFlags: '0000000g' }, -2008, 400],
  ['fp', 'outputControlFlags of 2 bytes', { outputControlFlags: '0000' }, -2040, 400],
  ['fp', 'outputControlFlags of 5 bytes', { outputControlFlags: '0000000000' }, -2040, 400],
  // -2020 / -2021 rights type
  ['fp', 'rightsType empty', { rightsType: '' }, -2020, 400],
  ['fp', 'rightsType unknown', { rightsType: 'Lease' }, -2021, 400],
  ['fp', 'rightsType in the wrong case', { rightsType: 'buytoown' }, -2021, 400],
  ['fp', 'rightsType given twice, differently', { rightsType: ['Rental', 'BuyToOwn'] }, -2021, 400],
  // -2027 content key length
  ['wv', 'contentKey of 15 bytes', { contentKey: CONTENT_KEY.slice(2) }, -2027, 400],
  ['fp', 'contentKey of 17 bytes', { contentKey: `${CONTENT_KEY}00` }, -2027, 400],
  // -2033 cookie
  ['wv', 'cookie of 33 characters', { cookie: A.repeat(33) }, -2033, 400],
  ['wv', 'cookie with a newline', { cookie: 'line\nbreak' }, -2033, 400],
  ['wv', 'cookie empty', { cookie: '' }, -2033, 400],
  ['fp', 'cookie with a NUL', { cookie: 'a\u0000b' }, -2033, 400],
  ['fp', 'cookie with a C1 control', { cookie: 'a\u0085b' }, -2033, 400],
  ['fp', 'cookie with a lone surrogate', { cookie: 'a\uD800b' }, -2033, 400],
  ['fp', 'cookie of 33 emoji', { cookie: '😀'.repeat(33) }, -2033, 400],
  ['fp', 'cookie given twice', { cookie: ['a', 'b'] }, -2033, 400],
  // -2034 output control out of range
  ['wv', 'hdcpOutputControl 3', { hdcpOutputControl: '3' }, -2034, 400],
  ['wv', 'hdcpOutputControl -1', { hdcpOutputControl: '-1' }, -2034, 400],
  ['wv', 'hdcpOutputControl HDCP_V1', { hdcpOutputControl: 'HDCP_V1' }, -2034, 400],
  ['fp', 'analogVideoOPL 1000', { analogVideoOPL: '1000' }, -2034, 400],
  ['fp', 'compressedDigitalAudioOPL negative', { compressedDigitalAudioOPL: '-1' }, -2034, 400],
  ['fp', 'compressedDigitalVideoOPL fractional', { compressedDigitalVideoOPL: '1.5' }, -2034, 400],
  ['fp', 'uncompressedDigitalAudioOPL not a number', { uncompressedDigitalAudioOPL: 'high' }, -2034, 400],
  [
    'fp',
    'uncompressedDigitalVideoOPL given twice, differently',
    { uncompressedDigitalVideoOPL: ['0', '00'] },
    -2034,
    400,
  ],
  // -2035 no corresponding value
  ['wv', 'extensionType without extensionPayload', { extensionType: 'wudo' }, -2035, 400],
  ['wv', 'wvExtension without a payload', { wvExtension: 'wudo,' }, -2035, 400],
  ['fp', 'extensionPayload without extensionType', { extensionPayload: 'AAAAAA==' }, -2035, 400],
  ['fp', 'fpExtension without a payload', { fpExtension: 'wudo,' }, -2035, 400],
  ['fp', 'extensionType empty', { extensionType: '', extensionPayload: 'AAAAAA==' }, -2035, 400],
  // -2036 extension type
  ['wv', 'wvExtension type of 3 characters', { wvExtension: 'wud,AAAAAA==' }, -2036, 400],
  ['wv', 'wvExtension type empty', { wvExtension: ',AAAAAA==' }, -2036, 400],
  ['wv', 'extensionType of 5 characters', { extensionType: 'wudoo', extensionPayload: 'AAAAAA==' }, -2036, 400],
  ['fp', 'fpExtension type not ASCII', { fpExtension: 'wudö,AAAAAA==' }, -2036, 400],
  [
    'fp',
    'extensionType given twice, differently',
    { extensionType: ['wudo', 'wxyz'], extensionPayload: 'AAAAAA==' },
    -2036,
    400,
  ],
  // -2037 extension payload
  ['wv', 'wvExtension payload unpadded', { wvExtension: 'wudo,AAAAAA' }, -2037, 400],
  ['wv', 'wvExtension payload base64url', { wvExtension: 'wudo,_-__' }, -2037, 400],
  ['wv', 'extensionPayload not Base64', { extensionType: 'wudo', extensionPayload: 'not base64!' }, -2037, 400],
  ['fp', 'fpExtension payload with a comma', { fpExtension: 'wudo,AAAA,AAAA' }, -2037, 400],
  [
    'fp',
    'extensionPayload over 5464 characters',
    { extensionType: 'wudo', extensionPayload: 'A'.repeat(5468) },
    -2037,
    400,
  ],
  // -4018 missing kid
  ['wv', 'no kid', { kid: null }, -4018, 400],
  ['wv', 'kid empty', { kid: '' }, -4018, 400],
  ['fp', 'kid empty', { kid: '' }, -4018, 400],
  // -4020 kid length
  ['wv', 'kid of 31 hex digits', { kid: KID.slice(1) }, -4020, 400],
  ['fp', 'kid of 34 hex digits', { kid: `${KID}00` }, -4020, 400],
  // -4021 string kid too long
  ['wv', 'kid ^ and 65 characters', { kid: `^${A.repeat(65)}` }, -4021, 400],
  ['fp', 'kid ^ and 65 characters', { kid: `^${A.repeat(65)}` }, -4021, 400],
  // -4022 invalid kid
  ['wv', 'kid ^ alone', { kid: '^' }, -4022, 400],
  ['wv', 'kid not hex', { kid: `${KID.slice(1)}z` }, -4022, 400],
  ['wv', 'kid as a UUID', { kid: 'b366360d-a82e-9c6e-0b09-84002a362cf2' }, -4022, 400],
  ['wv', 'kid name not ASCII', { kid: '^schlüssel' }, -4022, 400],
  ['wv', 'kid name with a control character', { kid: '^a\tb' }, -4022, 400],
  ['fp', 'kid ^ alone', { kid: '^' }, -4022, 400],
  ['fp', 'kid not hex', { kid: 'xyz' }, -4022, 400],
  ['fp', 'kid given twice, differently', { kid: [KID, KID.toUpperCase()] }, -4022, 400],
  // -4024 kek / ek
  ['wv', 'kek not hex', { contentKey: null, kek: 'k'.repeat(32) }, -4024, 400],
  ['wv', 'kek of 24 bytes', { contentKey: null, kek: `${KEK}0001020304050607` }, -4024, 400],
  ['wv', 'ek of 16 bytes', { contentKey: null, kek: KEK, ek: CONTENT_KEY }, -4024, 400],
  ['wv', 'ek not hex', { contentKey: null, kek: KEK, ek: `${EK.slice(1)}x` }, -4024, 400],
  ['wv', 'ek without kek', { contentKey: null, ek: EK }, -4024, 400],
  ['wv', 'ek under another kek', { contentKey: null, kek: OTHER_KEY, ek: EK }, -4024, 400],
  ['wv', 'ek corrupted', { contentKey: null, kek: KEK, ek: `00${EK.slice(2)}` }, -4024, 400],
  [
    'wv',
    'ek wrapping a 24-byte key',
    { contentKey: null, kek: KEK, ek: wrapHex(KEK, `${CONTENT_KEY}0011223344556677`) },
    -4024,
    400,
  ],
  ['fp', 'kek with kid and ek', { contentKey: null, kek: KEK, kid: KID, ek: EK }, -4024, 400],
  ['fp', 'kek without kid or ek', { contentKey: null, kek: KEK }, -4024, 400],
  ['fp', 'ek under another kek', { contentKey: null, kek: OTHER_KEY, ek: EK }, -4024, 400],
  ['fp', 'kek given twice, differently', { contentKey: null, kek: [KEK, KEK.toUpperCase()], kid: KID }, -4024, 400],
  // -5003 general flags
  ['wv', 'generalFlags 0001', { generalFlags: '0001' }, -5003, 400],
  ['wv', 'generalFlags 00000001 (PlayReady persistent)', { generalFlags: '00000001' }, -5003, 400],
  ['fp', 'generalFlags 00000000', { generalFlags: '00000000' }, -5003, 400],
  ['fp', 'generalFlags empty', { generalFlags: '' }, -5003, 400],
  // -6001 fpExtension
  ['fp', 'fpExtension without a comma', { fpExtension: 'wudo' }, -6001, 400],
  ['fp', 'fpExtension empty', { fpExtension: '' }, -6001, 400],
  ['fp', 'fpExtension over 5469 characters', { fpExtension: `wudo,${'A'.repeat(5468)}` }, -6001, 400],
  [
    'fp',
    'fpExtension payloads over 4096 bytes in total',
    { fpExtension: [`wudo,${'A'.repeat(4000)}`, `wudo,${'A'.repeat(1464)}`] },
    -6001,
    400,
  ],
  ['fp', 'fpExtension 33 times', { fpExtension: Array<string>(33).fill('wudo,AAAAAA==') }, -6001, 400],
  // -6003 iv
  ['fp', 'no iv', { iv: null }, -6003, 400],
  ['fp', 'iv of 15 bytes', { iv: IV.slice(2) }, -6003, 400],
  ['fp', 'iv not hex', { iv: `${IV.slice(1)}g` }, -6003, 400],
  ['fp', 'iv empty', { iv: '' }, -6003, 400],
  // -6005 contentId (Widevine)
  ['wv', 'contentId of 257 characters', { contentId: A.repeat(257) }, -6005, 400],
  ['wv', 'contentId with a control character', { contentId: 'movie\r\n' }, -6005, 400],
  // -6007 rental duration
  ['fp', 'rentalDuration negative', { rentalDuration: '-1' }, -6007, 400],
  ['fp', 'rentalDuration fractional', { rentalDuration: '1.5' }, -6007, 400],
  ['fp', 'rentalDuration beyond 2^31-1', { rentalDuration: '2147483648' }, -6007, 400],
  ['fp', 'rentalDuration in ISO 8601', { rentalDuration: 'PT1H' }, -6007, 400],
  // -6008 / -7002 device binding
  ['fp', 'deviceId', { deviceId: '0123456789abcdef0123456789abcdef' }, -6008, 400],
  ['fp', 'deviceid', { deviceid: 'x' }, -6008, 400],
  ['wv', 'deviceId', { deviceId: '0123456789abcdef0123456789abcdef' }, -7002, 400],
  ['wv', 'deviceid', { deviceid: 'x' }, -7002, 400],
  ['wv', 'deviceID empty', { deviceID: '' }, -7002, 400],
  // -7003 / -7004 security level
  ['wv', 'no securityLevel', { securityLevel: null }, -7003, 400],
  ['wv', 'securityLevel empty', { securityLevel: '' }, -7003, 400],
  ['wv', 'securityLevel 0', { securityLevel: '0' }, -7004, 400],
  ['wv', 'securityLevel 6', { securityLevel: '6' }, -7004, 400],
  ['wv', 'securityLevel by name', { securityLevel: 'HW_SECURE_ALL' }, -7004, 400],
  ['wv', 'securityLevel with a space', { securityLevel: ' 1' }, -7004, 400],
  ['wv', 'securityLevel given twice, differently', { securityLevel: ['1', '01'] }, -7004, 400],
  // -7006 HDCP
  ['wv', 'no hdcpOutputControl', { hdcpOutputControl: null }, -7006, 400],
  ['wv', 'hdcpOutputControl empty', { hdcpOutputControl: '' }, -7006, 400],
  // -7007 license duration
  ['wv', 'licenseDuration past 2147483647', { licenseDuration: '2147483648' }, -7007, 400],
  ['wv', 'licenseDuration negative', { licenseDuration: '-60' }, -7007, 400],
  ['wv', 'licenseDuration with a unit', { licenseDuration: '60s' }, -7007, 400],
  ['wv', 'licenseDuration of 11 digits', { licenseDuration: '10000000000' }, -7007, 400],
  // -7009 wvExtension
  ['wv', 'wvExtension without a comma', { wvExtension: 'wudoAAAAAA==' }, -7009, 400],
  ['wv', 'wvExtension empty', { wvExtension: '' }, -7009, 400],
  ['wv', 'wvExtension empty among good ones', { wvExtension: ['wudo,AAAAAA==', ''] }, -7009, 400],
  [
    'wv',
    'long and short form over 4096 bytes in total',
    { wvExtension: `wudo,${'A'.repeat(5464)}`, extensionType: 'abcd', extensionPayload: 'AA==' },
    -7009,
    400,
  ],
  ['wv', 'wvExtension 33 times', { wvExtension: Array<string>(33).fill('wudo,AAAAAA==') }, -7009, 400],
];

/** Codes a token request must be able to produce (the envelope's are in parse-envelope.spec.ts). */
const REQUIRED_CODES: readonly ErrorCode[] = [
  -2002, -2005, -2008, -2020, -2021, -2027, -2033, -2034, -2035, -2036, -2037, -2040, -4018, -4020, -4021, -4022, -4024,
  -5003, -6001, -6003, -6007, -6008, -7002, -7003, -7004, -7006, -7007, -7009,
];

describe('parseTokenRequest refusals', () => {
  it.each(ROWS.map((row) => [`${row[0]}: ${row[1]} → ${row[3]} (HTTP ${row[4]})`, ...row] as const))(
    '%s',
    (_title, drm, _label, overrides, code, status) => {
      const params = paramsOf(drm, overrides);
      const error = attempt(() => parseTokenRequest(drm, params, NOW));
      expect({ code: error.code, status: error.status }).toEqual({ code, status });
      expect(error.message.startsWith(`[${code}] `)).toBe(true);
      expect(leakedSecrets(error.message, params)).toEqual([]);
    },
  );

  it('has a row for every code a token request can produce', () => {
    const covered = new Set(ROWS.map(([, , , code]) => code));
    expect(REQUIRED_CODES.filter((code) => !covered.has(code))).toEqual([]);
  });

  it.each<[Drm, ErrorCode]>([
    ['wv', -7009],
    ['fp', -6001],
  ])('%s: says what is wrong in the details (-> %i)', (drm, code) => {
    const name = drm === 'wv' ? 'wvExtension' : 'fpExtension';
    const error = attempt(() => parse(drm, { [name]: 'nocomma' }));
    expect(error.code).toBe(code);
    expect(error.message).toBe(
      `[${code}] ${drm === 'wv' ? 'Invalid WVExtension' : 'Invalid FPExtension'} parameters specified: ${name} must be <4-character type>,<Base64 payload>`,
    );
  });

  it.each<[string, Drm, Overrides, string]>([
    ['duplicates', 'wv', { securityLevel: ['1', '2'] }, 'securityLevel given more than once with different values'],
    [
      'FairPlay kek with kid and ek',
      'fp',
      { contentKey: null, kek: KEK, kid: KID, ek: EK },
      'with kek give kid or ek, not both',
    ],
    [
      'a missing key',
      'wv',
      { contentKey: null },
      'contentKey is required unless kek with ek, or kek with kid, is given',
    ],
    [
      'a failed unwrap',
      'wv',
      { contentKey: null, kek: OTHER_KEY, ek: EK },
      'ek does not unwrap with kek (RFC 3394 integrity check)',
    ],
    ['a missing required parameter', 'wv', { hdcpOutputControl: null }, 'hdcpOutputControl is required'],
    ['an empty value', 'fp', { rightsType: '' }, 'rightsType given without a value'],
  ])('details for %s', (_label, drm, overrides, details) => {
    expect(attempt(() => parse(drm, overrides)).details).toBe(details);
  });
});

describe('parseTokenRequest successes', () => {
  const seedFairPlay =
    'customerAuthenticator=201722,1ad8eed133edf43cbcc185f0236828ae&kid=b366360da82e9c6e0b0984002a362cf2' +
    '&contentKey=b366360da82e9c6e0b0984002a362cf2&rightsType=BuyToOwn&analogVideoOPL=0&compressedDigitalAudioOPL=0' +
    '&compressedDigitalVideoOPL=0&uncompressedDigitalAudioOPL=0&uncompressedDigitalVideoOPL=0';

  it("accepts the seed's FairPlay example once it has an iv", () => {
    const request = parseTokenRequest('fp', paramsOfQuery(`${seedFairPlay}&iv=${IV}`), NOW);
    expect(request).toEqual<TokenRequest>({
      drm: 'fp',
      kid: hex('b366360da82e9c6e0b0984002a362cf2'),
      key: { kind: 'clear', contentKey: hex('b366360da82e9c6e0b0984002a362cf2') },
      iv: hex(IV),
      policy: { drm: 'fp', rentalDuration: 0, rightsType: 'BuyToOwn', extensions: [] },
      expiresAt: NOW + 30 * DAY,
      cookie: null,
      useLimit: null,
      keys: null,
      maxStreams: null,
      stopOldestStream: false,
      maxDevices: null,
      deviceWindow: 2_592_000,
    });
  });

  it("refuses the seed's FairPlay example as printed (it lacks the iv)", () => {
    expect(attempt(() => parseTokenRequest('fp', paramsOfQuery(seedFairPlay), NOW)).code).toBe(-6003);
  });

  it('accepts a Widevine request with a clear content key', () => {
    const request = parseTokenRequest(
      'wv',
      paramsOfQuery(
        `customerAuthenticator=${AUTHENTICATOR}&kid=${KID.toUpperCase()}&contentKey=${CONTENT_KEY.toUpperCase()}` +
          '&securityLevel=5&hdcpOutputControl=2&licenseDuration=3600&contentId=movie-42&cookie=session%3A1234' +
          '&expirationTime=%2B600&generalFlags=0000&errorFormat=json&useHttps=true',
      ),
      NOW,
    );
    expect(request).toEqual<TokenRequest>({
      drm: 'wv',
      kid: hex(KID),
      key: { kind: 'clear', contentKey: hex(CONTENT_KEY) },
      iv: null,
      policy: {
        drm: 'wv',
        securityLevel: 5,
        hdcpOutputControl: 2,
        licenseDuration: 3600,
        contentId: 'movie-42',
        extensions: [],
      },
      expiresAt: NOW + 600,
      cookie: 'session:1234',
      useLimit: null,
      keys: null,
      maxStreams: null,
      stopOldestStream: false,
      maxDevices: null,
      deviceWindow: 2_592_000,
    });
  });

  it('unwraps kek+ek (Widevine)', () => {
    const request = parse('wv', { contentKey: null, kek: KEK.toUpperCase(), ek: EK.toUpperCase() });
    expect(request.key).toEqual({ kind: 'wrapped', contentKey: hex(CONTENT_KEY) });
    expect(request.kid).toEqual(hex(KID));
  });

  it('hands kek+kid to the key store (Widevine)', () => {
    expect(parse('wv', { contentKey: null, kek: KEK }).key).toEqual({ kind: 'stored', kek: hex(KEK), kid: hex(KID) });
  });

  it('maps a ^name kid (Widevine)', () => {
    const request = parse('wv', { kid: '^kid1' });
    expect(request.kid?.toString('hex')).toBe('80ea8bc8a58f990ad1f76bc665b30bfa');
  });

  it.each(['^a', `^${A.repeat(64)}`, '^CNN.2014.12.18', '^with space', '^^caret'])('accepts kid %s', (kid) => {
    expect(parse('wv', { kid }).kid).toEqual(stringKid(kid.slice(1)));
  });

  it('keeps repeated wvExtension values in order, the long form last', () => {
    const request = parseTokenRequest(
      'wv',
      paramsOfQuery(
        `customerAuthenticator=${AUTHENTICATOR}&kid=${KID}&contentKey=${CONTENT_KEY}&securityLevel=1&hdcpOutputControl=0` +
          '&wvExtension=wudo,AAAAAA==&extensionType=abcd&extensionPayload=AQID&wvExtension=wudo,AAAAAA==&wvExtension=wxyz,/+8=',
      ),
      NOW,
    );
    expect(request.policy.extensions).toEqual([
      { type: 'wudo', payload: Buffer.alloc(4) },
      { type: 'wudo', payload: Buffer.alloc(4) },
      { type: 'wxyz', payload: Buffer.from([0xff, 0xef]) },
      { type: 'abcd', payload: Buffer.from([1, 2, 3]) },
    ]);
  });

  it('reads a space in a Base64 payload as the + an unencoded query turned into it', () => {
    const request = parseTokenRequest(
      'fp',
      paramsOfQuery(`contentKey=${CONTENT_KEY}&iv=${IV}&fpExtension=wudo,/+8=`),
      NOW,
    );
    expect(request.policy.extensions).toEqual([{ type: 'wudo', payload: Buffer.from([0xff, 0xef]) }]);
  });

  it('accepts 4096 bytes of payload in total', () => {
    const request = parse('wv', { wvExtension: [`wudo,${'A'.repeat(5456)}`, 'wxyz,AAAA', 'wxyz,AA=='] });
    expect(request.policy.extensions.map((extension) => extension.payload.length)).toEqual([4092, 3, 1]);
  });

  it('accepts 32 extensions', () => {
    expect(parse('fp', { fpExtension: Array<string>(32).fill('wudo,AAAAAA==') }).policy.extensions).toHaveLength(32);
  });

  it('reads expirationTime=+60 sent unencoded (decoded to " 60")', () => {
    expect(
      parseTokenRequest(
        'wv',
        paramsOfQuery(`kid=${KID}&contentKey=${CONTENT_KEY}&securityLevel=1&hdcpOutputControl=0&expirationTime=+60`),
        NOW,
      ).expiresAt,
    ).toBe(NOW + 60);
  });

  it('reads an absolute expirationTime', () => {
    expect(parse('fp', { expirationTime: '2023-11-15T00:00:00.5Z' }).expiresAt).toBe(Date.UTC(2023, 10, 15) / 1000);
  });

  it.each<[string, Overrides, Partial<TokenRequest>]>([
    ['contentKey, no kid', {}, { kid: null, key: { kind: 'clear', contentKey: hex(CONTENT_KEY) } }],
    ['contentKey and kid', { kid: '^kid1' }, { kid: stringKid('kid1') }],
    [
      'kek+ek, no kid',
      { contentKey: null, kek: KEK, ek: EK },
      { kid: null, key: { kind: 'wrapped', contentKey: hex(CONTENT_KEY) } },
    ],
    [
      'kek+kid',
      { contentKey: null, kek: KEK, kid: KID },
      { kid: hex(KID), key: { kind: 'stored', kek: hex(KEK), kid: hex(KID) } },
    ],
    [
      'Rental with a duration',
      { rightsType: 'Rental', rentalDuration: '86400' },
      { policy: { drm: 'fp', rightsType: 'Rental', rentalDuration: 86400, extensions: [] } },
    ],
    [
      'rentalDuration 0',
      { rentalDuration: '0' },
      { policy: { drm: 'fp', rightsType: null, rentalDuration: 0, extensions: [] } },
    ],
    [
      'OPLs up to 999 and outputControlFlags',
      { analogVideoOPL: '999', compressedDigitalVideoOPL: '100', outputControlFlags: '0000000A' },
      { iv: hex(IV) },
    ],
    ['a cookie of 32 characters', { cookie: '😀'.repeat(32) }, { cookie: '😀'.repeat(32) }],
  ])('FairPlay: %s', (_label, overrides, expected) => {
    expect(parse('fp', overrides)).toMatchObject(expected);
  });

  it.each<[string, Overrides]>([
    [
      'parameters of the other DRM and of PlayReady',
      {
        iv: 'zz',
        rentalDuration: '60', // read (offline licenses) but, without persistent=true, ignored
        rightsType: 'x',
        fpExtension: 'x',
        analogVideoOPL: 'x',
        outputControlFlags: 'x',
      },
    ],
    ['unknown parameters, even repeated', { useHttps: ['true', 'false'], foo: '' }],
    ['names in another case', { KID: 'zz', SecurityLevel: 'x', ContentKey: 'zz', DeviceId: 'x' }],
    ['a huge unknown parameter', { padding: A.repeat(1_000_000) }],
    ['envelope parameters (readEnvelope checks them)', { customerAuthenticator: ['x', 'y'], errorFormat: 'xml' }],
  ])('Widevine ignores %s', (_label, overrides) => {
    expect(parse('wv', overrides).key).toEqual({ kind: 'clear', contentKey: hex(CONTENT_KEY) });
  });

  it.each<[string, Overrides]>([
    [
      'Widevine parameters',
      { securityLevel: 'x', hdcpOutputControl: 'x', licenseDuration: 'x', contentId: '\n', wvExtension: 'x' },
    ],
    ['unknown parameters', { useHttps: 'true' }],
  ])('FairPlay ignores %s', (_label, overrides) => {
    expect(parse('fp', overrides).iv).toEqual(hex(IV));
  });

  it('gives Widevine defaults: unlimited license, no contentId, no cookie, 30 days', () => {
    expect(parse('wv')).toMatchObject({
      policy: {
        drm: 'wv',
        securityLevel: 1,
        hdcpOutputControl: 0,
        licenseDuration: null,
        contentId: null,
        extensions: [],
      },
      cookie: null,
      expiresAt: NOW + 30 * DAY,
    });
  });

  it.each([
    ['0', null],
    ['00', null],
    ['1', 1],
    ['2147483647', 2147483647],
  ] as const)('reads licenseDuration %s (0: unlimited, as Widevine has it)', (value, duration) => {
    expect(parse('wv', { licenseDuration: value }).policy).toMatchObject({ licenseDuration: duration });
  });

  it('reads single-valued parameters repeated with the same value as given once; extensions stay repeated', () => {
    const twice = parse('wv', {
      kid: [KID, KID],
      securityLevel: ['3', '3'],
      cookie: ['c', 'c'],
      wvExtension: ['wudo,AA==', 'wudo,AA=='],
    });
    expect(twice).toMatchObject({ kid: hex(KID), cookie: 'c', policy: { securityLevel: 3 } });
    expect(twice.policy.extensions).toHaveLength(2);
  });

  it.each([
    ['1', 1],
    ['5', 5],
    ['05', 5],
  ] as const)('reads securityLevel %s', (value, level) => {
    expect(parse('wv', { securityLevel: value }).policy).toMatchObject({ securityLevel: level });
  });

  it('drops the fraction of nowSeconds', () => {
    expect(parseTokenRequest('fp', paramsOf('fp', { expirationTime: '+10' }), NOW + 0.75).expiresAt).toBe(NOW + 10);
  });

  it('refuses a non-finite clock as a caller bug', () => {
    expect(() => parseTokenRequest('fp', paramsOf('fp'), Number.NaN)).toThrow(RangeError);
  });
});

describe('useLimit', () => {
  const base = `kid=${KID}&contentKey=${CONTENT_KEY}&securityLevel=1&hdcpOutputControl=0`;
  it.each([
    ['1', 1],
    ['3', 3],
    ['1000000', 1_000_000],
  ])('carries useLimit=%s', (value, limit) => {
    expect(parseTokenRequest('wv', paramsOfQuery(`${base}&useLimit=${value}`), NOW).useLimit).toBe(limit);
    expect(
      parseTokenRequest('ck', paramsOfQuery(`kid=${KID}&contentKey=${CONTENT_KEY}&useLimit=${value}`), NOW).useLimit,
    ).toBe(limit);
  });
  it('has no limit without the parameter', () => {
    expect(parseTokenRequest('wv', paramsOfQuery(base), NOW).useLimit).toBeNull();
  });
  it.each(['', '0', '-1', '1000001', '1.5', 'one', '01x', ' 2'])('refuses useLimit=%p with -9001', (value) => {
    expect(() => parseTokenRequest('wv', paramsOfQuery(`${base}&useLimit=${encodeURIComponent(value)}`), NOW)).toThrow(
      expect.objectContaining({ code: -9001 }),
    );
  });
});

// The same limits on Widevine and FairPlay tokens (docs/api.md §13).
const LIMITED_BASES = {
  wv: `kid=${KID}&contentKey=${CONTENT_KEY}&securityLevel=1&hdcpOutputControl=0`,
  fp: `contentKey=${CONTENT_KEY}&iv=${CONTENT_KEY}`,
} as const;

describe.each(['wv', 'fp'] as const)('maxStreams and streamLimitMode (%s)', (drm) => {
  const base = LIMITED_BASES[drm];
  it.each([
    ['maxStreams=1', 1, false],
    ['maxStreams=100&streamLimitMode=deny', 100, false],
    ['maxStreams=2&streamLimitMode=stopOldest', 2, true],
  ])('carries %s', (query, max, stopOldest) => {
    const request = parseTokenRequest(drm, paramsOfQuery(`${base}&${query}`), NOW);
    expect([request.maxStreams, request.stopOldestStream]).toEqual([max, stopOldest]);
  });
  it.each([
    'maxStreams=0',
    'maxStreams=101',
    'maxStreams=two',
    'maxStreams=2&streamLimitMode=newest',
    'streamLimitMode=deny',
  ])('refuses %s with -9003', (query) => {
    expect(() => parseTokenRequest(drm, paramsOfQuery(`${base}&${query}`), NOW)).toThrow(
      expect.objectContaining({ code: -9003 }),
    );
  });
});

describe.each(['wv', 'fp'] as const)('maxDevices and deviceWindow (%s)', (drm) => {
  const base = LIMITED_BASES[drm];
  it('carries them, with a 30-day window by default', () => {
    const request = parseTokenRequest(drm, paramsOfQuery(`${base}&maxDevices=3&deviceWindow=3600`), NOW);
    expect([request.maxDevices, request.deviceWindow]).toEqual([3, 3600]);
    expect(parseTokenRequest(drm, paramsOfQuery(`${base}&maxDevices=1`), NOW).deviceWindow).toBe(2_592_000);
  });
  it.each([
    'maxDevices=0',
    'maxDevices=101',
    'maxDevices=1&deviceWindow=59',
    'maxDevices=1&deviceWindow=31536001',
    'deviceWindow=60',
  ])('refuses %s with -9006', (query) => {
    expect(() => parseTokenRequest(drm, paramsOfQuery(`${base}&${query}`), NOW)).toThrow(
      expect.objectContaining({ code: -9006 }),
    );
  });
});
