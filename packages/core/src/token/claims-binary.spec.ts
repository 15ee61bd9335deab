import { CorruptClaims, MAX_TIMESTAMP, readClaims, uvarintSize } from './claims-binary';

const ZERO16 = '00'.repeat(16);
/** flags, tokenId, contentKey, [kid/iv as given], account, issuedAt, expiry delta, then the rest. */
const claimsHex = (flags: string, numbers = '000000', rest = '01', ids = '') =>
  `${flags}${ZERO16}${ZERO16}${ids}${numbers}${rest}`;
const read = (hex: string) => {
  const bytes = Buffer.from(hex, 'hex');
  return readClaims(bytes, 0, bytes.length);
};

describe('readClaims', () => {
  it('reads the smallest Widevine claims (37 bytes)', () => {
    const hex = claimsHex('00');
    expect(hex.length / 2).toBe(37);
    expect(read(hex)).toEqual({
      tokenId: Buffer.alloc(16),
      account: 0,
      environment: 'test',
      drm: 'wv',
      issuedAt: 0,
      expiresAt: 0,
      cookie: null,
      kid: null,
      contentKey: Buffer.alloc(16),
      iv: null,
      policy: {
        drm: 'wv',
        securityLevel: 1,
        hdcpOutputControl: 0,
        licenseDuration: null,
        contentId: null,
        extensions: [],
      },
    });
  });

  it('reads the smallest Clear Key claims: kid, and nothing after the expiry (52 bytes)', () => {
    const hex = claimsHex('84', '000000', '', '22'.repeat(16));
    expect(hex.length / 2).toBe(52);
    expect(read(hex)).toEqual({
      tokenId: Buffer.alloc(16),
      account: 0,
      environment: 'test',
      drm: 'ck',
      issuedAt: 0,
      expiresAt: 0,
      cookie: null,
      kid: Buffer.alloc(16, 0x22),
      contentKey: Buffer.alloc(16),
      iv: null,
      policy: { drm: 'ck', extensions: [] },
    });
  });

  it('reads the largest numbers', () => {
    const claims = read(claimsHex('20', 'ffffffffffffff0f' + 'ffffffffffff3f' + '00', '11ffffffffffffff0f'));
    expect(claims.account).toBe(Number.MAX_SAFE_INTEGER);
    expect(claims.issuedAt).toBe(MAX_TIMESTAMP);
    expect(claims.expiresAt).toBe(MAX_TIMESTAMP);
    expect(claims.policy).toMatchObject({
      securityLevel: 1,
      hdcpOutputControl: 2,
      licenseDuration: Number.MAX_SAFE_INTEGER,
    });
  });

  it.each([
    ['Clear Key without kid', claimsHex('80', '000000', '')],
    ['Clear Key and FairPlay together (reserved)', claimsHex('85', '000000', '', ZERO16 + ZERO16)],
    ['Clear Key with a Widevine/FairPlay policy flag', claimsHex('a4', '000000', '00', ZERO16)],
    ['Clear Key with the second policy flag', claimsHex('c4', '000000', '', ZERO16)],
    ['Clear Key with extensions', claimsHex('94', '000000', '01016162636400', ZERO16)],
    ['Clear Key with a trailing byte', claimsHex('84', '000000', '00', ZERO16)],
    ['security level 0', claimsHex('00', '000000', '00')],
    ['security level 6', claimsHex('00', '000000', '06')],
    ['HDCP 3', claimsHex('00', '000000', '19')],
    ['stray level bits', claimsHex('00', '000000', '41')],
    ['FairPlay Rental flag without rights type', claimsHex('41', '000000', '00', ZERO16)],
    ['a non-minimal varint', claimsHex('00', '80000000')],
    ['a 9-byte varint', claimsHex('00', 'ffffffffffffffff7f0000')],
    ['a varint past 2^53 - 1', claimsHex('00', 'ffffffffffffff7f0000')],
    ['issuedAt 2^48', claimsHex('00', '00' + '80808080808040' + '00')],
    ['expiresAt before 1970', claimsHex('00', '000001')],
    ['expiresAt past 2^48 - 1', claimsHex('00', '00' + 'ffffffffffff3f' + '02')],
    ['a cookie that is not UTF-8', claimsHex('08', '000000', '01ff01')],
    ['an overlong UTF-8 cookie', claimsHex('08', '000000', '02c0af01')],
    ['a cookie longer than the bytes', claimsHex('08', '000000', '056101')],
    ['an empty extension list', claimsHex('10', '000000', '0100')],
    ['more extensions than bytes', claimsHex('10', '000000', '0102616263640000')],
    ['a payload longer than the bytes', claimsHex('10', '000000', '01016162636405ff')],
    ['a trailing byte', claimsHex('00', '000000', '0100')],
    ['FairPlay without iv', claimsHex('01', '000000', '00')],
  ])('refuses %s', (_name, hex) => {
    expect(() => read(hex)).toThrow(CorruptClaims);
  });

  it('refuses every truncation', () => {
    const hex = claimsHex('7d', 'faa70c80f2d6ca0680b4bc02', '026162a038017775646f0109', ZERO16 + ZERO16);
    expect(read(hex).policy).toMatchObject({ drm: 'fp', rightsType: 'Rental', rentalDuration: 7200 });
    for (let bytes = 0; bytes < hex.length / 2; bytes++) {
      expect(() => read(hex.slice(0, bytes * 2))).toThrow(CorruptClaims);
    }
  });

  it('decodes only the given range', () => {
    const bytes = Buffer.from(`ff${claimsHex('00')}ff`, 'hex');
    expect(readClaims(bytes, 1, bytes.length - 1).drm).toBe('wv');
  });
});

describe('uvarintSize', () => {
  it.each([
    [0, 1],
    [127, 1],
    [128, 2],
    [16383, 2],
    [16384, 3],
    [2 ** 28 - 1, 4],
    [2 ** 28, 5],
    [2 ** 35, 6],
    [2 ** 49 - 1, 7],
    [2 ** 49, 8],
    [Number.MAX_SAFE_INTEGER, 8],
  ])('%p takes %p bytes', (value, size) => {
    expect(uvarintSize(value)).toBe(size);
  });
});
