import type { TokenClaims } from './claims';
import { ISSUED, NONCE, plaintextOf, resealed, RING, WV_CLAIMS } from './testing/sealed-tokens';
import { openToken, sealedTokenLength, sealToken } from '.';

const WV: TokenClaims = WV_CLAIMS;

const FP: TokenClaims = {
  ...WV,
  drm: 'fp',
  kid: null,
  iv: Buffer.alloc(16, 0x44),
  policy: { drm: 'fp', rentalDuration: 120, rightsType: null, extensions: [] },
};

describe('a stream limit in a token (bit 0x08 of the second flags byte)', () => {
  it.each([
    [1, false, 0x08],
    [2, true, 0x08],
    [100, false, 0x08],
  ])('round-trips maxStreams %s (stop oldest: %s) with bit 0x08', (maxStreams, stopOldestStream, bit) => {
    const claims = { ...WV, maxStreams, stopOldestStream };
    const token = sealToken(claims, RING, NONCE);
    expect(openToken(token, RING, ISSUED)).toEqual(claims);
    expect(plaintextOf(token)[1]).toBe(bit);
    expect(sealedTokenLength(claims)).toBe(token.length);
  });

  it('carries a use limit and a stream limit together, the use limit first', () => {
    const claims = { ...WV, useLimit: 5, maxStreams: 3, stopOldestStream: false };
    const token = sealToken(claims, RING, NONCE);
    expect(openToken(token, RING, ISSUED)).toEqual(claims);
    expect(plaintextOf(token)[1]).toBe(0x04 | 0x08);
  });

  it('leaves a token without a stream limit byte for byte as before', () => {
    expect(sealToken({ ...WV, maxStreams: null }, RING, NONCE)).toBe(sealToken(WV, RING, NONCE));
    expect(openToken(sealToken(WV, RING, NONCE), RING, ISSUED)).not.toHaveProperty('maxStreams');
  });

  it.each([0, 101, 1.5])('refuses to seal maxStreams %p', (maxStreams) => {
    expect(() => sealToken({ ...WV, maxStreams }, RING)).toThrow(RangeError);
  });

  it('refuses to seal a stream or device limit on a Clear Key token, or stop-oldest without a limit', () => {
    const ck: TokenClaims = { ...WV, drm: 'ck', kid: WV.kid!, policy: { drm: 'ck', extensions: [] }, maxStreams: 1 };
    expect(() => sealToken(ck, RING)).toThrow(TypeError);
    expect(() => sealToken({ ...ck, maxStreams: null, maxDevices: 1, deviceWindow: 60 }, RING)).toThrow(TypeError);
    expect(() => sealToken({ ...WV, stopOldestStream: true }, RING)).toThrow(TypeError);
  });

  it('refuses to open a Clear Key token that carries a stream limit (the bit is Widevine and FairPlay only)', () => {
    const fp = sealToken({ ...FP, maxStreams: 2, stopOldestStream: false }, RING, NONCE);
    const plain = plaintextOf(fp);
    // Rewrite the DRM code of the second flags byte (bits 0-1: 1 FairPlay) to Clear Key (2) and seal it again.
    expect(plain[1] & 0x03).toBe(1);
    plain[1] = (plain[1] & ~0x03) | 2;
    expect(() => openToken(resealed(fp, plain), RING, ISSUED)).toThrow();
  });
});

describe('stream and device limits in a FairPlay token (the same bits 0x08 and 0x10)', () => {
  it.each([
    [{ maxStreams: 2, stopOldestStream: false }, 0x08],
    [{ maxStreams: 100, stopOldestStream: true }, 0x08],
    [{ maxDevices: 3, deviceWindow: 3600 }, 0x10],
    [{ useLimit: 5, maxStreams: 1, stopOldestStream: true, maxDevices: 2, deviceWindow: 60 }, 0x04 | 0x08 | 0x10],
  ])('round-trips %p with the extended flags %p', (limits, bits) => {
    const claims = { ...FP, ...limits };
    const token = sealToken(claims, RING, NONCE);
    expect(openToken(token, RING, ISSUED)).toEqual(claims);
    // Bits 0-1 name FairPlay (1); the limit bits are Widevine's.
    expect(plaintextOf(token)[1]).toBe(bits | 1);
    expect(sealedTokenLength(claims)).toBe(token.length);
  });

  it('leaves a FairPlay token without limits byte for byte as before', () => {
    expect(sealToken({ ...FP, maxStreams: null, maxDevices: null }, RING, NONCE)).toBe(sealToken(FP, RING, NONCE));
  });
});

describe('a device limit in a token (bit 0x10 of the second flags byte)', () => {
  it('round-trips maxDevices and deviceWindow, alone and with the other limits', () => {
    const alone = { ...WV, maxDevices: 3, deviceWindow: 3600 };
    expect(openToken(sealToken(alone, RING, NONCE), RING, ISSUED)).toEqual(alone);
    expect(plaintextOf(sealToken(alone, RING, NONCE))[1]).toBe(0x10);
    const all = {
      ...WV,
      useLimit: 9,
      maxStreams: 2,
      stopOldestStream: true,
      maxDevices: 100,
      deviceWindow: 31_536_000,
    };
    const token = sealToken(all, RING, NONCE);
    expect(openToken(token, RING, ISSUED)).toEqual(all);
    expect(plaintextOf(token)[1]).toBe(0x04 | 0x08 | 0x10);
    expect(sealedTokenLength(all)).toBe(token.length);
  });
  it.each([
    [0, 3600],
    [101, 3600],
    [1, 59],
    [1, 31_536_001],
  ])('refuses to seal maxDevices %p with window %p', (maxDevices, deviceWindow) => {
    expect(() => sealToken({ ...WV, maxDevices, deviceWindow }, RING)).toThrow(RangeError);
  });
});
