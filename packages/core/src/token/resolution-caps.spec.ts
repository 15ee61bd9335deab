import type { TokenClaims, TokenKey } from './claims';
import { ISSUED, NONCE, plaintextOf, RING, sealRaw } from './testing/sealed-tokens';
import { openToken, sealedTokenLength, sealToken, TOKEN_FORGED } from '.';

// Per-key resolution caps of multi-key Widevine tokens (extended flag 0x80, FORMAT.md "Key list").

const id = (n: number): Buffer => Buffer.alloc(16, n);

const AUDIO: TokenKey = {
  kid: id(1),
  contentKey: id(0x81),
  track: 'AUDIO',
  securityLevel: 1,
  hdcpOutputControl: 0,
  iv: null,
};
const SD: TokenKey = {
  kid: id(2),
  contentKey: id(0x82),
  track: 'SD',
  securityLevel: 1,
  hdcpOutputControl: 0,
  iv: null,
};
const HD: TokenKey = {
  kid: id(3),
  contentKey: id(0x83),
  track: 'HD',
  securityLevel: 3,
  hdcpOutputControl: 1,
  iv: null,
};
const FULL_HD = 1920 * 1080;

function claimsOf(keys: TokenKey[]): TokenClaims {
  return {
    tokenId: id(0x11),
    account: 123456,
    environment: 'test',
    issuedAt: ISSUED,
    expiresAt: ISSUED + 86_400,
    cookie: null,
    drm: 'wv',
    kid: keys[0].kid,
    contentKey: keys[0].contentKey,
    iv: null,
    policy: {
      drm: 'wv',
      securityLevel: 1,
      hdcpOutputControl: 0,
      licenseDuration: null,
      contentId: null,
      extensions: [],
    },
    keys,
  };
}

const expectForged = (token: string) =>
  expect(() => openToken(token, RING, ISSUED)).toThrow(expect.objectContaining({ code: -4010, details: TOKEN_FORGED }));

describe('resolution caps in multi-key tokens', () => {
  const capped = claimsOf([AUDIO, SD, { ...HD, maxResolutionPixels: FULL_HD }]);
  const plaintext = plaintextOf(sealToken(capped, RING, NONCE));
  // flags, x-flags, tokenId, contentKey, kid, account (3), issuedAt (5), expiry (3); the list: count, 2 + 34 + 34.
  const caps = 2 + 16 + 16 + 16 + 3 + 5 + 3 + 1 + 2 + 34 + 34;

  it('round-trip: only the capped key reads back with a cap', () => {
    const opened = openToken(sealToken(capped, RING, NONCE), RING, ISSUED);
    expect(opened).toEqual(capped);
    expect(opened.keys?.map((key) => key.maxResolutionPixels)).toEqual([undefined, undefined, FULL_HD]);
  });

  it('write bit 0x80 of the extended flags and one varint of pixels per key after the key list', () => {
    expect(plaintext[1]).toBe(0x20 | 0x80);
    // 0, 0, then 2073600 as LEB128: 0x80 0xc8 0x7e.
    expect(plaintext.subarray(caps, caps + 5)).toEqual(Buffer.from([0x00, 0x00, 0x80, 0xc8, 0x7e]));
    expect(plaintext.length - plaintextOf(sealToken(claimsOf([AUDIO, SD, HD]), RING, NONCE)).length).toBe(5);
    expect(sealedTokenLength(capped)).toBe(sealToken(capped, RING, NONCE).length);
  });

  it('leave tokens without caps byte for byte what they were (null and absent alike)', () => {
    const plain = claimsOf([AUDIO, SD, HD]);
    const nulls = claimsOf([AUDIO, SD, HD].map((key) => ({ ...key, maxResolutionPixels: null })));
    expect(sealToken(nulls, RING, NONCE)).toBe(sealToken(plain, RING, NONCE));
    const bytes = plaintextOf(sealToken(plain, RING, NONCE));
    expect(bytes[1]).toBe(0x20);
    expect(bytes.length).toBe(caps + 1); // the key list, then the levels byte: no cap bytes
    expect(openToken(sealToken(plain, RING, NONCE), RING, ISSUED)).toEqual(plain);
  });

  it.each<[string, TokenClaims]>([
    ['a cap of 0 pixels', claimsOf([{ ...HD, maxResolutionPixels: 0 }])],
    ['a cap above 16384 × 16384', claimsOf([{ ...HD, maxResolutionPixels: 16384 * 16384 + 1 }])],
    ['a fractional cap', claimsOf([{ ...HD, maxResolutionPixels: 1.5 }])],
    [
      'a FairPlay key with a cap',
      {
        ...claimsOf([AUDIO]),
        drm: 'fp',
        iv: id(0x41),
        policy: { drm: 'fp', rentalDuration: 0, rightsType: null, extensions: [] },
        keys: [
          { ...AUDIO, track: null, securityLevel: null, hdcpOutputControl: null, iv: id(0x41), maxResolutionPixels: 1 },
        ],
      },
    ],
  ])('refuse to seal %s', (_name, claims) => {
    expect(() => sealToken(claims, RING, NONCE)).toThrow(/claims/);
  });

  describe('decoding refuses what the encoder cannot produce', () => {
    const patched = (edit: (copy: Buffer) => Buffer) => sealRaw(edit(Buffer.from(plaintext)));

    it('reads the untouched bytes', () => expect(openToken(sealRaw(plaintext), RING, ISSUED)).toEqual(capped));
    it('the caps flag with no cap', () =>
      expectForged(
        patched((copy) => Buffer.concat([copy.subarray(0, caps), Buffer.from([0, 0, 0]), copy.subarray(caps + 5)])),
      ));
    it('a cap above 16384 × 16384', () =>
      expectForged(
        patched((copy) =>
          Buffer.concat([
            copy.subarray(0, caps + 2),
            Buffer.from([0x81, 0x80, 0x80, 0x80, 0x01]),
            copy.subarray(caps + 5),
          ]),
        ),
      ));
    it('the caps flag without a key list', () =>
      expectForged(
        sealRaw(plaintextOf(sealToken({ ...capped, keys: null, useLimit: 2 }, RING, NONCE)).fill(0x84, 1, 2)),
      ));
    it('the caps flag on FairPlay', () => expectForged(patched((copy) => copy.fill(0xa1, 1, 2))));
    it('caps missing after the flag', () =>
      expectForged(patched((copy) => Buffer.concat([copy.subarray(0, caps), copy.subarray(caps + 5)]))));
  });
});
