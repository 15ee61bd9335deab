import { parse, refusal } from '../request/testing/requests';
import type { TokenClaims } from './claims';
import { COMMON_CLAIMS, ISSUED, NONCE, plaintextOf, RING, sealRaw, WV_CLAIMS as WV } from './testing/sealed-tokens';
import { openToken, sealedTokenLength, sealToken, TOKEN_FORGED } from '.';

const FP = {
  ...COMMON_CLAIMS,
  drm: 'fp',
  iv: Buffer.alloc(16, 0x44),
  policy: {
    drm: 'fp',
    rentalDuration: 2_592_000,
    rightsType: 'Rental',
    extensions: [{ type: 'abcd', payload: Buffer.from([1]) }],
  },
} as const satisfies TokenClaims;

const wvOffline = (rentalDuration: number): TokenClaims => ({
  ...WV,
  policy: { ...WV.policy, offline: { rentalDuration } },
});
const fpOffline = (playbackDuration: number): TokenClaims => ({
  ...FP,
  policy: { ...FP.policy, offline: { playbackDuration } },
});

describe('offline (persistent) tokens in the codec', () => {
  it.each([
    ['Widevine', wvOffline, 0],
    ['FairPlay', fpOffline, 1],
  ])('%s: round-trips 0, 86400 and 2^31-1 behind extended flag 0x40', (_name, make, drmCode) => {
    for (const duration of [0, 86_400, 2_147_483_647]) {
      const claims = make(duration);
      const token = sealToken(claims, RING, NONCE);
      expect(openToken(token, RING, ISSUED)).toEqual(claims);
      const plaintext = plaintextOf(token);
      expect(plaintext[0] & 0x81).toBe(0x81);
      expect(plaintext[1]).toBe(drmCode | 0x40);
      expect(sealedTokenLength(claims)).toBe(token.length);
    }
  });

  it('puts the duration after the policy fields, before the extensions (FairPlay: playbackDuration 86400)', () => {
    const plain = plaintextOf(sealToken(fpOffline(86_400), RING, NONCE));
    const without = plaintextOf(sealToken(FP, RING, NONCE));
    // One more flags byte and a 3-byte varint (86400 = 0x80 0xa3 0x05), just before the extension list (7 bytes).
    expect(plain.length - without.length).toBe(4);
    expect(plain.subarray(plain.length - 10, plain.length - 7)).toEqual(Buffer.from([0x80, 0xa3, 0x05]));
  });

  it('carries useLimit and persistence together (0x04 | 0x40)', () => {
    const claims = { ...wvOffline(3600), useLimit: 2 };
    const token = sealToken(claims, RING, NONCE);
    expect(plaintextOf(token)[1]).toBe(0x44);
    expect(openToken(token, RING, ISSUED)).toEqual(claims);
  });

  it.each([
    ['Widevine', WV],
    ['FairPlay', FP],
  ])(
    '%s: a streaming-only token has the same bytes with offline absent or null, and opens without it',
    (_n, claims) => {
      const nulled = { ...claims, policy: { ...claims.policy, offline: null } } as TokenClaims;
      expect(sealToken(nulled, RING, NONCE)).toBe(sealToken(claims, RING, NONCE));
      expect(plaintextOf(sealToken(claims, RING, NONCE))[0] & 0x81).not.toBe(0x81);
      expect(openToken(sealToken(claims, RING, NONCE), RING, ISSUED).policy).not.toHaveProperty('offline');
    },
  );

  it.each([-1, 1.5, Number.NaN, 2 ** 53])('refuses to seal a duration of %p', (duration) => {
    expect(() => sealToken(wvOffline(duration), RING)).toThrow(RangeError);
    expect(() => sealToken(fpOffline(duration), RING)).toThrow(RangeError);
  });

  it('refuses as forged the offline flag on Clear Key, and a truncated duration', () => {
    const ck: TokenClaims = {
      ...COMMON_CLAIMS,
      drm: 'ck',
      iv: null,
      policy: { drm: 'ck', extensions: [] },
      useLimit: 1,
    };
    const good = plaintextOf(sealToken(ck, RING, NONCE));
    expect(good[1]).toBe(0x06);
    const onClearKey = Buffer.concat([Buffer.from([good[0], 0x06 | 0x40]), good.subarray(2), Buffer.from([0])]);
    expect(() => openToken(sealRaw(onClearKey), RING, ISSUED)).toThrow(TOKEN_FORGED);
    const wv = plaintextOf(sealToken({ ...WV, policy: { ...WV.policy, contentId: null }, cookie: null }, RING, NONCE));
    // The Widevine token's last byte is its licenseDuration: announce the offline flag without a duration after it.
    const truncated = Buffer.concat([Buffer.from([wv[0] | 0x81, 0x40]), wv.subarray(1)]);
    expect(() => openToken(sealRaw(truncated), RING, ISSUED)).toThrow(TOKEN_FORGED);
    expect(openToken(sealRaw(Buffer.concat([truncated, Buffer.from([5])])), RING, ISSUED).policy).toEqual({
      ...WV.policy,
      contentId: null,
      offline: { rentalDuration: 5 },
    });
  });
});

describe('persistence parameters', () => {
  it('Widevine: persistent=true with rentalDuration gives policy.offline; rentalDuration defaults to 0', () => {
    expect(parse('wv', { persistent: 'true', rentalDuration: '604800' }).policy).toMatchObject({
      offline: { rentalDuration: 604800 },
    });
    expect(parse('wv', { persistent: 'true' }).policy).toMatchObject({ offline: { rentalDuration: 0 } });
  });

  it('FairPlay: persistent=true with playbackDuration; rentalDuration stays the storage duration', () => {
    expect(parse('fp', { persistent: 'true', rentalDuration: '2592000', playbackDuration: '86400' }).policy).toEqual({
      drm: 'fp',
      rentalDuration: 2592000,
      rightsType: null,
      extensions: [],
      offline: { playbackDuration: 86400 },
    });
  });

  it('persistent=false or absent leaves the policy as it was before offline licenses', () => {
    for (const drm of ['wv', 'fp'] as const) {
      expect(parse(drm, { persistent: 'false' }).policy).toEqual(parse(drm).policy);
      expect(parse(drm).policy).not.toHaveProperty('offline');
    }
  });

  it.each([
    ['wv', { persistent: 'yes' }, -11001, 'persistent must be true or false'],
    ['wv', { persistent: '' }, -11001, 'persistent given without a value'],
    ['fp', { persistent: 'TRUE' }, -11001, 'persistent must be true or false'],
    ['wv', { persistent: 'true', rentalDuration: '-1' }, -6007, 'rentalDuration'],
    ['fp', { playbackDuration: '60' }, -11001, 'playbackDuration needs persistent=true'],
    ['fp', { persistent: 'true', playbackDuration: '2147483648' }, -11001, 'playbackDuration'],
    ['ck', { persistent: 'true' }, -8002, 'persistent cannot be enforced by a Clear Key license'],
  ] as const)('%s %j → %d', (drm, overrides, code, details) => {
    const error = refusal(drm, overrides);
    expect(error.code).toBe(code);
    expect(error.message).toContain(details);
  });

  it('a Widevine rentalDuration without persistent=true is ignored, as before offline licenses', () => {
    expect(parse('wv', { rentalDuration: '60' }).policy).toEqual(parse('wv').policy);
    expect(parse('wv', { persistent: 'false', rentalDuration: '60' }).policy).toEqual(parse('wv').policy);
  });

  it('a FairPlay rentalDuration without persistent is the rental it always was', () => {
    expect(parse('fp', { rentalDuration: '60' }).policy).toMatchObject({ rentalDuration: 60 });
  });
});
