import { createDecipheriv } from 'node:crypto';
import { ExpressPlayError } from '../errors';
import type { FairPlayPolicy, WidevinePolicy } from '../request/types';
import type { TokenClaims } from './claims';
import {
  createKeyRing,
  MAX_TOKEN_LENGTH,
  openToken,
  sealedTokenLength,
  sealToken,
  TOKEN_EXPIRED,
  TOKEN_FORGED,
  TOKEN_UNKNOWN_KEY,
} from '.';

const KEY_1 = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const KEY_2 = Buffer.alloc(32, 0xa5);
const RING = createKeyRing([{ id: 1, key: KEY_1 }]);
const NONCE = Buffer.alloc(12, 0x0c);
const ISSUED = 1767225600; // 2026-01-01T00:00:00Z
const DAYS_30 = 30 * 86400;

/** Claims as a test edits them: any field may break the contract that sealToken checks. */
type LooseClaims = { [K in keyof TokenClaims]?: unknown };

function wv(policy: Partial<WidevinePolicy> = {}, claims: LooseClaims = {}): TokenClaims {
  return {
    tokenId: Buffer.alloc(16, 0x11),
    account: 201722,
    environment: 'production',
    drm: 'wv',
    issuedAt: ISSUED,
    expiresAt: ISSUED + DAYS_30,
    cookie: null,
    kid: Buffer.alloc(16, 0x22),
    contentKey: Buffer.alloc(16, 0x33),
    iv: null,
    ...claims,
    policy: {
      drm: 'wv',
      securityLevel: 1,
      hdcpOutputControl: 0,
      licenseDuration: 86400,
      contentId: null,
      extensions: [],
      ...policy,
    },
  } as TokenClaims;
}

function fp(policy: Partial<FairPlayPolicy> = {}, claims: LooseClaims = {}): TokenClaims {
  return {
    ...wv({}, { drm: 'fp', iv: Buffer.alloc(16, 0x44), environment: 'test', ...claims }),
    policy: { drm: 'fp', rentalDuration: 0, rightsType: null, extensions: [], ...policy },
  } as TokenClaims;
}

function ck(claims: LooseClaims = {}): TokenClaims {
  return {
    ...wv({}, { drm: 'ck', ...claims }),
    policy: { drm: 'ck', extensions: [] },
  } as TokenClaims;
}

/** The error `fn` throws, asserted to be -4010. */
function failure(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressPlayError);
    expect((error as ExpressPlayError).code).toBe(-4010);
    expect((error as ExpressPlayError).status).toBe(401);
    return (error as ExpressPlayError).details;
  }
  throw new Error('expected a -4010 error');
}

const openAt = (token: string, now = ISSUED + 1) => openToken(token, RING, now);
const bytesOf = (token: string) => Buffer.from(token, 'base64url');
const tokenOf = (bytes: Buffer) => bytes.toString('base64url');

describe('sealToken/openToken round trip', () => {
  const extensions = [
    { type: 'wudo', payload: Buffer.from([0, 0, 0, 0]) },
    { type: 'ÿ\u0000a~', payload: Buffer.alloc(0) },
    { type: 'big!', payload: Buffer.alloc(300, 7) },
  ];
  it.each<[string, TokenClaims]>([
    ['WV, typical', wv()],
    ['WV, nothing optional', wv({ licenseDuration: null }, { kid: null, environment: 'test' })],
    [
      'WV, everything optional',
      wv(
        { securityLevel: 5, hdcpOutputControl: 2, licenseDuration: 0, contentId: 'movie-42 ✓ 🎬', extensions },
        { cookie: 'c'.repeat(32) },
      ),
    ],
    ['WV, contentId without licenseDuration', wv({ licenseDuration: null, contentId: '' })],
    ['WV, empty cookie and unicode cookie', wv({}, { cookie: '' })],
    ['WV, cookie with BOM and non-ASCII', wv({}, { cookie: '\uFEFFcafé 日本' })],
    ['FP, typical', fp()],
    ['FP, BuyToOwn', fp({ rightsType: 'BuyToOwn' })],
    ['FP, Rental with everything', fp({ rightsType: 'Rental', rentalDuration: 172800, extensions }, { cookie: 'x' })],
    ['FP, no kid', fp({}, { kid: null })],
    [
      'extreme numbers',
      wv(
        { licenseDuration: Number.MAX_SAFE_INTEGER },
        { account: Number.MAX_SAFE_INTEGER, issuedAt: 2 ** 48 - 1, expiresAt: 0 },
      ),
    ],
    ['zero times', wv({}, { account: 0, issuedAt: 0, expiresAt: 0 })],
  ])('%s', (_name, claims) => {
    const token = sealToken(claims, RING);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(openToken(token, RING, -1)).toEqual(claims);
  });

  it('uses a fresh nonce each time', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => sealToken(wv(), RING)));
    expect(tokens.size).toBe(1000);
  });

  it('is deterministic with a given nonce', () => {
    expect(sealToken(wv(), RING, NONCE)).toBe(sealToken(wv(), RING, NONCE));
  });
});

describe('token format (version 1)', () => {
  // A golden token: changing the layout must change the version byte, not this string.
  const GOLDEN =
    'AQEMDAwMDAwMDAwMDAzSogroTwh7ftLmIVrHk5Uvv5Sw3JNWMgoA3DMxMPQN3FoFBqTd4udPJETjtY3O7f842ci4IA_' +
    'zO1m8wniCoop0e-FbRWGbX8pxPATm4qmqwUw';

  it('lays the bytes out as documented', () => {
    const bytes = bytesOf(sealToken(wv(), RING, NONCE));
    expect(bytes[0]).toBe(1); // version
    expect(bytes[1]).toBe(1); // key id
    expect(bytes.subarray(2, 14)).toEqual(NONCE);
    const decipher = createDecipheriv('aes-256-gcm', KEY_1, NONCE, { authTagLength: 16 });
    decipher.setAAD(bytes.subarray(0, 2));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const plaintext = Buffer.concat([decipher.update(bytes.subarray(14, bytes.length - 16)), decipher.final()]);
    const expected = [
      '26', // flags: production 0x02 | kid 0x04 | licenseDuration 0x20 (Widevine)
      '11'.repeat(16), // tokenId
      '33'.repeat(16), // contentKey
      '22'.repeat(16), // kid
      'faa70c', // account 201722
      '80f2d6ca06', // issuedAt 1767225600
      '80b4bc02', // expiresAt - issuedAt = 2592000, zigzag 5184000
      '01', // securityLevel 1 | hdcpOutputControl 0 << 3
      '80a305', // licenseDuration 86400
    ].join('');
    expect(plaintext.toString('hex')).toBe(expected);
  });

  it('encodes FairPlay with iv, rental duration, rights type, cookie and extensions', () => {
    const claims = fp(
      { rightsType: 'Rental', rentalDuration: 7200, extensions: [{ type: 'wudo', payload: Buffer.from([9]) }] },
      { cookie: 'ab' },
    );
    const bytes = bytesOf(sealToken(claims, RING, NONCE));
    const decipher = createDecipheriv('aes-256-gcm', KEY_1, NONCE, { authTagLength: 16 });
    decipher.setAAD(bytes.subarray(0, 2));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const plaintext = Buffer.concat([decipher.update(bytes.subarray(14, bytes.length - 16)), decipher.final()]);
    const expected = [
      '7d', // flags: fp 0x01 | kid 0x04 | cookie 0x08 | extensions 0x10 | rightsType 0x20 | Rental 0x40
      '11'.repeat(16),
      '33'.repeat(16),
      '22'.repeat(16),
      '44'.repeat(16), // iv
      'faa70c',
      '80f2d6ca06',
      '80b4bc02',
      '026162', // cookie: length 2, "ab"
      'a038', // rentalDuration 7200
      '01', // one extension
      '7775646f', // "wudo"
      '0109', // payload: length 1, 0x09
    ].join('');
    expect(plaintext.toString('hex')).toBe(expected);
  });

  it('encodes Clear Key with flag 0x80, its kid and no policy bytes', () => {
    const bytes = bytesOf(sealToken(ck({ cookie: 'ab' }), RING, NONCE));
    const decipher = createDecipheriv('aes-256-gcm', KEY_1, NONCE, { authTagLength: 16 });
    decipher.setAAD(bytes.subarray(0, 2));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const plaintext = Buffer.concat([decipher.update(bytes.subarray(14, bytes.length - 16)), decipher.final()]);
    const expected = [
      '8e', // flags: ck 0x80 | production 0x02 | kid 0x04 | cookie 0x08
      '11'.repeat(16),
      '33'.repeat(16),
      '22'.repeat(16), // kid
      'faa70c',
      '80f2d6ca06',
      '80b4bc02',
      '026162', // cookie, and nothing after it
    ].join('');
    expect(plaintext.toString('hex')).toBe(expected);
    expect(openAt(tokenOf(bytes))).toEqual(ck({ cookie: 'ab' }));
  });

  it('still opens the golden token', () => {
    expect(sealToken(wv(), RING, NONCE)).toBe(GOLDEN);
    expect(openAt(GOLDEN)).toEqual(wv());
  });

  it('keeps a typical Widevine token within 127 characters', () => {
    // kid, 30-day expiry, licenseDuration, 6-digit account, no cookie: 95 bytes.
    expect(sealToken(wv(), RING).length).toBeLessThanOrEqual(127);
    const others = [wv({ licenseDuration: null }), wv({}, { cookie: 'c'.repeat(32) }), fp()];
    expect(others.map((claims) => sealedTokenLength(claims))).toEqual([123, 171, 144]);
    expect(sealToken(wv({ licenseDuration: null }), RING).length).toBeLessThanOrEqual(123);
    // A full 32-character cookie adds 33 bytes.
    expect(sealToken(wv({}, { cookie: 'c'.repeat(32) }), RING).length).toBeLessThanOrEqual(171);
    // FairPlay carries the 16-byte iv as well.
    expect(sealToken(fp(), RING).length).toBeLessThanOrEqual(144);
    // Clear Key: the Widevine token without its levels byte and licenseDuration.
    expect(sealedTokenLength(ck())).toBe(122);
  });
});

describe('key rotation', () => {
  const OLD = createKeyRing([{ id: 1, key: KEY_1 }]);
  const ROTATED = createKeyRing([
    { id: 2, key: KEY_2 },
    { id: 1, key: KEY_1 },
  ]);

  it('opens tokens of an older key and seals with the newest', () => {
    const old = sealToken(wv(), OLD);
    expect(openToken(old, ROTATED, ISSUED)).toEqual(wv());
    const fresh = sealToken(wv(), ROTATED);
    expect(bytesOf(fresh)[1]).toBe(2);
    expect(openToken(fresh, ROTATED, ISSUED)).toEqual(wv());
    expect(failure(() => openToken(fresh, OLD, ISSUED))).toBe(TOKEN_UNKNOWN_KEY);
  });

  it('does not depend on the Buffers the ring was made from', () => {
    const key = Buffer.from(KEY_2);
    const ring = createKeyRing([{ id: 9, key }]);
    key.fill(0);
    expect(openToken(sealToken(wv(), ring), ring, ISSUED)).toEqual(wv());
  });

  it('calls a token forged when its key id names another key of the ring', () => {
    const bytes = bytesOf(sealToken(wv(), ROTATED));
    bytes[1] = 1;
    expect(failure(() => openToken(tokenOf(bytes), ROTATED, ISSUED))).toBe(TOKEN_FORGED);
  });
});

describe('openToken failures', () => {
  const token = sealToken(wv(), RING);

  it('says expired at expiresAt, not before', () => {
    expect(openAt(token, ISSUED + DAYS_30 - 1)).toEqual(wv());
    expect(openAt(token, ISSUED + DAYS_30 - 0.001)).toEqual(wv());
    expect(failure(() => openAt(token, ISSUED + DAYS_30))).toBe(TOKEN_EXPIRED);
    expect(failure(() => openAt(token, NaN))).toBe(TOKEN_EXPIRED);
  });

  it('says forged, not expired, for a tampered expired token', () => {
    const bytes = bytesOf(token);
    bytes[20] ^= 1;
    expect(failure(() => openAt(tokenOf(bytes), ISSUED + 10 * DAYS_30))).toBe(TOKEN_FORGED);
  });

  it('says unknown for a key id outside the ring, whatever the rest', () => {
    for (const id of [0, 2, 255]) {
      const bytes = bytesOf(token);
      bytes[1] = id;
      expect(failure(() => openAt(tokenOf(bytes)))).toBe(TOKEN_UNKNOWN_KEY);
    }
  });

  it('says forged for every single changed byte', () => {
    const bytes = bytesOf(token);
    for (let i = 0; i < bytes.length; i++) {
      if (i === 1) continue; // the key id: unknown key (above)
      for (const mask of [0x01, 0x80, 0xff]) {
        const changed = Buffer.from(bytes);
        changed[i] ^= mask;
        expect(failure(() => openAt(tokenOf(changed)))).toBe(TOKEN_FORGED);
      }
    }
  });

  it('says forged for every truncation and for trailing bytes', () => {
    const bytes = bytesOf(token);
    for (let length = 0; length < bytes.length; length++) {
      expect(failure(() => openAt(tokenOf(bytes.subarray(0, length))))).toBe(TOKEN_FORGED);
    }
    for (let length = 0; length < token.length; length++) {
      expect(failure(() => openAt(token.slice(0, length)))).toBe(TOKEN_FORGED);
    }
    expect(failure(() => openAt(tokenOf(Buffer.concat([bytes, Buffer.from([0])]))))).toBe(TOKEN_FORGED);
  });

  it('says forged for an unknown version', () => {
    for (const version of [0, 2, 255]) {
      const bytes = bytesOf(token);
      bytes[0] = version;
      expect(failure(() => openAt(tokenOf(bytes)))).toBe(TOKEN_FORGED);
    }
  });

  it('never puts key material or claims in the error', () => {
    try {
      openAt(token, ISSUED + DAYS_30);
    } catch (error) {
      const expected = { code: -4010, message: '[-4010] Invalid token: token expired' };
      expect(JSON.stringify(error)).toBe(JSON.stringify(expected));
    }
  });
});

describe('token text', () => {
  const token = sealToken(wv(), RING); // 95 bytes: 127 characters, 1 short of a multiple of 4

  it('accepts the exact base64 padding', () => {
    expect(token.length % 4).toBe(3);
    expect(openAt(`${token}=`)).toEqual(wv());
    const two = sealToken(wv({}, { cookie: 'a' }), RING); // 97 bytes: 130 characters
    expect(two.length % 4).toBe(2);
    expect(openAt(`${two}==`).cookie).toBe('a');
  });

  it.each([
    ['wrong padding', (t: string) => `${t}==`],
    ['padding only', () => '===='],
    ['standard base64 "+"', (t: string) => t.replace(/-/g, '+').replace(/_/g, '/')],
    ['a space', (t: string) => `${t.slice(0, 10)} ${t.slice(10)}`],
    ['a trailing newline', (t: string) => `${t}\n`],
    ['a non-ASCII character', (t: string) => `${t.slice(0, 10)}é${t.slice(11)}`],
    ['the empty string', () => ''],
    ['an over-long text', () => 'A'.repeat(MAX_TOKEN_LENGTH + 4)],
    ['a non-string', () => 42 as unknown as string],
  ])('refuses %s as forged', (_name, mutate) => {
    // A random nonce can give a token with no '-' or '_' at all, which the '+' case would leave unchanged.
    const subject = /[-_]/.test(token) ? token : `${token.slice(0, 5)}-${token.slice(6)}`;
    const text = mutate(subject);
    expect(text).not.toBe(subject);
    expect(failure(() => openAt(text))).toBe(TOKEN_FORGED);
  });

  it('refuses a non-canonical final character that would decode to the same bytes', () => {
    const golden = sealToken(wv(), RING, NONCE); // 127 characters, ends in 'w' (its 2 spare bits are 0)
    expect(golden.endsWith('w')).toBe(true);
    const other = `${golden.slice(0, -1)}x`;
    expect(Buffer.from(other, 'base64url')).toEqual(Buffer.from(golden, 'base64url'));
    expect(failure(() => openAt(other))).toBe(TOKEN_FORGED);
  });

  it('has a "+"-free spelling to begin with (no ambiguity with form decoding)', () => {
    expect(token).not.toMatch(/[+/= ]/);
  });
});

describe('sealToken refuses claims that break the contract', () => {
  const cases: Array<[string, TokenClaims, RegExp]> = [
    ['a WV iv', wv({}, { iv: Buffer.alloc(16) }), /iv must be null for Widevine and Clear Key/],
    ['an FP token without iv', fp({}, { iv: null }), /iv must be 16 bytes/],
    ['a short kid', wv({}, { kid: Buffer.alloc(15) }), /kid must be 16 bytes/],
    ['a long content key', wv({}, { contentKey: Buffer.alloc(17) }), /contentKey must be 16 bytes/],
    ['a short token id', wv({}, { tokenId: Buffer.alloc(0) }), /tokenId must be 16 bytes/],
    ['a Clear Key token without kid', ck({ kid: null }), /kid must be 16 bytes for Clear Key/],
    ['a Clear Key iv', ck({ iv: Buffer.alloc(16) }), /iv must be null for Widevine and Clear Key/],
    [
      'a Clear Key extension',
      {
        ...ck(),
        policy: { drm: 'ck', extensions: [{ type: 'abcd', payload: Buffer.alloc(1) }] },
      } as unknown as TokenClaims,
      /Clear Key carries no extensions/,
    ],
    [
      'a Widevine policy on a Clear Key token',
      { ...ck(), policy: wv().policy } as TokenClaims,
      /policy.drm must equal drm/,
    ],
    ['an unknown DRM', { ...wv(), drm: 'pr' } as unknown as TokenClaims, /drm must be wv, fp or ck/],
    ['a policy of the other DRM', { ...wv(), policy: fp().policy } as TokenClaims, /policy.drm must equal drm/],
    ['a bad environment', wv({}, { environment: 'staging' }), /environment/],
    ['a negative account', wv({}, { account: -1 }), /account must be a non-negative safe integer/],
    ['a fractional time', wv({}, { issuedAt: 1.5 }), /issuedAt must be Unix seconds/],
    ['a time past 2^48', wv({}, { expiresAt: 2 ** 48 }), /expiresAt must be Unix seconds/],
    ['security level 0', wv({ securityLevel: 0 as 1 }), /securityLevel must be 1-5/],
    ['HDCP 3', wv({ hdcpOutputControl: 3 as 0 }), /hdcpOutputControl must be 0-2/],
    ['a negative license duration', wv({ licenseDuration: -5 }), /licenseDuration/],
    ['an unsafe rental duration', fp({ rentalDuration: 2 ** 53 }), /rentalDuration/],
    ['a bad rights type', fp({ rightsType: 'Lease' as 'Rental' }), /rightsType/],
    ['a lone surrogate in the cookie', wv({}, { cookie: 'a\uD800b' }), /cookie is not well-formed Unicode/],
    ['a lone surrogate in the content id', wv({ contentId: '\uDC00' }), /contentId is not well-formed Unicode/],
    ['a 3-character extension type', wv({ extensions: [{ type: 'abc', payload: Buffer.alloc(0) }] }), /extension type/],
    ['a wide extension type', wv({ extensions: [{ type: 'ab€d', payload: Buffer.alloc(0) }] }), /extension type/],
    [
      'an extension without Buffer',
      wv({ extensions: [{ type: 'abcd', payload: 'AA==' as unknown as Buffer }] }),
      /payload/,
    ],
    ['claims too large', wv({ extensions: [{ type: 'abcd', payload: Buffer.alloc(9115) }] }), /exceeds 9216/],
  ];
  it.each(cases)('%s', (_name, claims, message) => {
    expect(() => sealToken(claims, RING)).toThrow(message);
  });

  it('refuses a nonce that is not 12 bytes', () => {
    expect(() => sealToken(wv(), RING, Buffer.alloc(16))).toThrow('iv must be 12 bytes');
  });

  it('seals the largest claims it accepts, and opens them', () => {
    // 9216 bytes: 30 of envelope, 65 of typical claims, 7 of extension framing and the payload.
    const claims = wv({ extensions: [{ type: 'abcd', payload: Buffer.alloc(9216 - 102) }] });
    expect(sealedTokenLength(claims)).toBe(MAX_TOKEN_LENGTH);
    const token = sealToken(claims, RING);
    expect(token.length).toBe(MAX_TOKEN_LENGTH);
    expect(openAt(token)).toEqual(claims);
    expect(failure(() => openAt(`${token}AAAA`))).toBe(TOKEN_FORGED);
  });

  it('tells the sealed length beforehand', () => {
    const all = [wv(), fp(), wv({}, { cookie: 'c'.repeat(32) }), wv({ licenseDuration: null }, { cookie: 'a' })];
    for (const claims of all) {
      expect(sealedTokenLength(claims)).toBe(sealToken(claims, RING).length);
    }
    expect(() => sealedTokenLength(wv({}, { kid: Buffer.alloc(3) }))).toThrow(/kid must be 16 bytes/);
  });
});
