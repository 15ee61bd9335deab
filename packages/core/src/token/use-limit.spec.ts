import type { TokenClaims } from './claims';
import { COMMON_CLAIMS, ISSUED, NONCE, plaintextOf, RING, sealRaw, WV_CLAIMS } from './testing/sealed-tokens';
import { openToken, sealedTokenLength, sealToken, TOKEN_FORGED } from '.';

const WV: TokenClaims = WV_CLAIMS;
const FP: TokenClaims = {
  ...COMMON_CLAIMS,
  drm: 'fp',
  iv: Buffer.alloc(16, 0x44),
  policy: {
    drm: 'fp',
    rentalDuration: 0,
    rightsType: 'Rental',
    extensions: [{ type: 'abcd', payload: Buffer.from([1]) }],
  },
};
const CK: TokenClaims = {
  ...COMMON_CLAIMS,
  drm: 'ck',
  kid: Buffer.alloc(16, 0x22),
  iv: null,
  policy: { drm: 'ck', extensions: [] },
};

describe('useLimit in a token', () => {
  it.each([
    ['Widevine', WV, 0],
    ['FairPlay', FP, 1],
    ['Clear Key', CK, 2],
  ])('%s: round-trips 1, 3 and 1000000, with the second flags byte naming the DRM', (_name, claims, drmCode) => {
    for (const useLimit of [1, 3, 1_000_000]) {
      const token = sealToken({ ...claims, useLimit }, RING, NONCE);
      expect(openToken(token, RING, ISSUED)).toEqual({ ...claims, useLimit });
      const plaintext = plaintextOf(token);
      expect(plaintext[0] & 0x81).toBe(0x81);
      expect(plaintext[1]).toBe(drmCode | 0x04);
      expect(sealedTokenLength({ ...claims, useLimit })).toBe(token.length);
    }
  });

  it.each([
    ['Widevine', WV],
    ['FairPlay', FP],
    ['Clear Key', CK],
  ])('%s: a token without a limit has the same bytes whether useLimit is absent or null', (_name, claims) => {
    expect(sealToken({ ...claims, useLimit: null }, RING, NONCE)).toBe(sealToken(claims, RING, NONCE));
    expect(openToken(sealToken(claims, RING, NONCE), RING, ISSUED)).not.toHaveProperty('useLimit');
  });

  it('adds 2 bytes for a one-time token', () => {
    const withLimit = plaintextOf(sealToken({ ...WV, useLimit: 1 }, RING, NONCE));
    expect(withLimit.length - plaintextOf(sealToken(WV, RING, NONCE)).length).toBe(2);
  });

  it.each([0, -1, 1_000_001, 1.5, Number.NaN])('refuses to seal useLimit %p', (useLimit) => {
    expect(() => sealToken({ ...WV, useLimit }, RING)).toThrow(RangeError);
  });

  it('refuses as forged a second flags byte that is not canonical or names the reserved DRM', () => {
    const good = plaintextOf(sealToken({ ...CK, useLimit: 1 }, RING, NONCE));
    const variants = [
      Buffer.from([good[0], 0x03 | 0x04]), // reserved DRM code 3
      Buffer.from([good[0], 0x02]), // second byte without any flag of its own
      Buffer.from([good[0], 0x02 | 0x04 | 0x08]), // a reserved bit
    ].map((head) => Buffer.concat([head, good.subarray(2)]));
    for (const plaintext of variants) {
      expect(() => openToken(sealRaw(plaintext), RING, ISSUED)).toThrow(TOKEN_FORGED);
    }
    expect(openToken(sealRaw(good), RING, ISSUED)).toEqual({ ...CK, useLimit: 1 });
  });
});
