import fc from 'fast-check';
import { TRACK_TYPES, type HdcpLevel, type TrackType } from '../request/types';
import type { TokenClaims, TokenKey } from './claims';
import { ISSUED, NONCE, plaintextOf, RING, sealRaw } from './testing/sealed-tokens';
import { MAX_TOKEN_LENGTH, openToken, sealedTokenLength, sealToken, TOKEN_FORGED } from '.';

const id = (n: number): Buffer => Buffer.alloc(16, n);
const wvKey = (n: number, track: TrackType | null, level: 1 | 2 | 3 | 4 | 5, hdcp: HdcpLevel): TokenKey => ({
  kid: id(n),
  contentKey: id(n + 0x80),
  track,
  securityLevel: level,
  hdcpOutputControl: hdcp,
  iv: null,
});
const fpKey = (n: number): TokenKey => ({
  kid: id(n),
  contentKey: id(n + 0x80),
  track: null,
  securityLevel: null,
  hdcpOutputControl: null,
  iv: id(n + 0x40),
});

const base = {
  tokenId: id(0x11),
  account: 123456,
  environment: 'test' as const,
  issuedAt: ISSUED,
  expiresAt: ISSUED + 30 * 86_400,
  cookie: null,
};
const wvPolicy = {
  drm: 'wv' as const,
  securityLevel: 1 as const,
  hdcpOutputControl: 0 as const,
  licenseDuration: null,
  contentId: null,
  extensions: [],
};

function wvClaims(keys: TokenKey[], useLimit: number | null = null): TokenClaims {
  return {
    ...base,
    drm: 'wv',
    kid: keys[0].kid,
    contentKey: keys[0].contentKey,
    iv: null,
    policy: wvPolicy,
    keys,
    ...(useLimit !== null && { useLimit }),
  };
}
function fpClaims(keys: TokenKey[]): TokenClaims {
  const policy = { drm: 'fp' as const, rentalDuration: 0, rightsType: null, extensions: [] };
  return { ...base, drm: 'fp', kid: keys[0].kid, contentKey: keys[0].contentKey, iv: keys[0].iv!, policy, keys };
}

const FOUR = [wvKey(1, 'AUDIO', 1, 0), wvKey(2, 'SD', 1, 0), wvKey(3, 'HD', 3, 1), wvKey(4, 'UHD1', 5, 5)];

const expectForged = (token: string) =>
  expect(() => openToken(token, RING, ISSUED)).toThrow(expect.objectContaining({ code: -4010, details: TOKEN_FORGED }));

describe('multi-key tokens', () => {
  it('round-trip four Widevine keys with their tracks and levels', () => {
    const claims = wvClaims(FOUR);
    expect(openToken(sealToken(claims, RING, NONCE), RING, ISSUED)).toEqual(claims);
  });

  it('round-trip with a use limit too (both flags in the second byte)', () => {
    const claims = wvClaims(FOUR, 3);
    expect(openToken(sealToken(claims, RING, NONCE), RING, ISSUED)).toEqual(claims);
  });

  it('round-trip FairPlay keys with their own IVs', () => {
    const claims = fpClaims([fpKey(1), fpKey(2), fpKey(3)]);
    expect(openToken(sealToken(claims, RING, NONCE), RING, ISSUED)).toEqual(claims);
  });

  it('mark themselves with the extended flags byte and bit 0x08', () => {
    const plaintext = plaintextOf(sealToken(wvClaims(FOUR), RING, NONCE));
    expect(plaintext[0] & 0x81).toBe(0x81);
    expect(plaintext[1]).toBe(0x20);
  });

  it('leave a token without keys byte for byte what it was (keys null = absent)', () => {
    const single: TokenClaims = { ...wvClaims(FOUR), keys: undefined };
    expect(sealToken({ ...single, keys: null }, RING, NONCE)).toBe(sealToken(single, RING, NONCE));
    expect(plaintextOf(sealToken(single, RING, NONCE))[0] & 0x81).toBe(0);
  });

  it('cost 34 bytes per Widevine key after the first, 48 per FairPlay key', () => {
    const one = sealedTokenLength(wvClaims(FOUR.slice(0, 1)));
    const bytes = (claims: TokenClaims) => (sealedTokenLength(claims) * 3) / 4;
    expect(bytes(wvClaims(FOUR)) - bytes(wvClaims(FOUR.slice(0, 1)))).toBeCloseTo(3 * 34, 0);
    expect(one).toBeGreaterThan(0);
    expect(bytes(fpClaims([fpKey(1), fpKey(2)])) - bytes(fpClaims([fpKey(1)]))).toBeCloseTo(48, 0);
  });

  it('fit 32 keys well within the token budget (documented sizes)', () => {
    const wv32 = wvClaims(Array.from({ length: 32 }, (_, i) => wvKey(i + 1, TRACK_TYPES[i % 5], 5, 5)));
    const fp32 = fpClaims(Array.from({ length: 32 }, (_, i) => fpKey(i + 1)));
    expect(sealedTokenLength(wv32)).toBe(1534);
    expect(sealedTokenLength(fp32)).toBe(2131);
    expect(sealedTokenLength(fp32)).toBeLessThan(MAX_TOKEN_LENGTH / 4);
    expect(openToken(sealToken(wv32, RING), RING, ISSUED)).toEqual(wv32);
  });

  it.each<[string, TokenClaims]>([
    ['an empty key list', { ...wvClaims(FOUR), keys: [] }],
    ['33 keys', wvClaims(Array.from({ length: 33 }, (_, i) => wvKey(i + 1, null, 1, 0)))],
    ['a kid twice', wvClaims([FOUR[0], { ...FOUR[1], kid: FOUR[0].kid }])],
    ['a first key other than kid', { ...wvClaims(FOUR), kid: id(9) }],
    ['a Widevine key without levels', wvClaims([{ ...FOUR[0], securityLevel: null }])],
    ['HDCP 6', wvClaims([{ ...FOUR[0], hdcpOutputControl: 6 as HdcpLevel }])],
    ['a FairPlay key with a track', fpClaims([{ ...fpKey(1), track: 'HD' }])],
    ['a Clear Key key list', { ...wvClaims(FOUR), drm: 'ck', policy: { drm: 'ck', extensions: [] } } as TokenClaims],
  ])('refuse to seal %s', (_name, claims) => {
    expect(() => sealToken(claims, RING, NONCE)).toThrow(/claims/);
  });

  describe('decoding refuses what the encoder cannot produce', () => {
    const plaintext = plaintextOf(sealToken(wvClaims(FOUR.slice(0, 2)), RING, NONCE));
    // flags, x-flags, tokenId, contentKey, kid, account (3), issuedAt (5), expiry (4): then the key list.
    const list = 2 + 16 + 16 + 16 + 3 + 5 + 4;
    const patched = (at: number, value: number) => {
      const copy = Buffer.from(plaintext);
      copy[at] = value;
      return sealRaw(copy);
    };

    it('reads the untouched bytes', () => {
      expect(plaintext[list]).toBe(1); // count - 1
      expect(openToken(sealRaw(plaintext), RING, ISSUED).keys).toHaveLength(2);
    });
    it('a reserved extended flag', () => expectForged(patched(1, 0x18)));
    it('a key list on Clear Key', () => expectForged(patched(1, 0x0a)));
    it('more keys than bytes', () => expectForged(patched(list, 5)));
    it('a count over 32', () => expectForged(patched(list, 40)));
    it('bad levels', () => expectForged(patched(list + 1, 0x00)));
    it('HDCP above 5', () => expectForged(patched(list + 1, 0x31)));
    it('an unknown track', () => expectForged(patched(list + 2, 6)));
    it('a second kid equal to the first', () => {
      const copy = Buffer.from(plaintext);
      id(1).copy(copy, list + 3);
      expectForged(sealRaw(copy));
    });
  });

  it('round-trip any Widevine key list, with or without resolution caps (property)', () => {
    const key = fc.record({
      track: fc.constantFrom<TrackType | null>(null, ...TRACK_TYPES),
      level: fc.constantFrom<1 | 2 | 3 | 4 | 5>(1, 2, 3, 4, 5),
      hdcp: fc.constantFrom<HdcpLevel>(0, 1, 2, 3, 4, 5),
      contentKey: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      cap: fc.option(fc.integer({ min: 1, max: 16384 * 16384 })),
    });
    fc.assert(
      fc.property(
        fc.array(key, { minLength: 1, maxLength: 32 }),
        fc.option(fc.integer({ min: 1, max: 1_000_000 })),
        (specs, useLimit) => {
          const keys = specs.map((spec, i) => ({
            ...wvKey(i + 1, spec.track, spec.level, spec.hdcp),
            contentKey: Buffer.from(spec.contentKey),
            ...(spec.cap !== null && { maxResolutionPixels: spec.cap }),
          }));
          const claims = wvClaims(keys, useLimit);
          const opened = openToken(sealToken(claims, RING), RING, ISSUED);
          expect(opened).toEqual(claims);
          expect(sealToken(opened, RING, NONCE)).toBe(sealToken(claims, RING, NONCE));
        },
      ),
      { numRuns: 200 },
    );
  });
});
