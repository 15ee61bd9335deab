import fc from 'fast-check';
import { ExpressPlayError } from '../errors';
import type { Extension, FairPlayPolicy, LicensePolicy, WidevinePolicy } from '../request/types';
import type { TokenClaims } from './claims';
import { claimsSize, CorruptClaims, MAX_TIMESTAMP, readClaims, writeClaims } from './claims-binary';
import { createKeyRing, openToken, sealToken, TOKEN_EXPIRED, TOKEN_FORGED, TOKEN_UNKNOWN_KEY } from '.';

// Seals with 1; 2 opens too; every other id is unknown.
const RING = createKeyRing([
  { id: 1, key: Buffer.alloc(32, 1) },
  { id: 2, key: Buffer.alloc(32, 2) },
]);
const AFTER_EVERYTHING = MAX_TIMESTAMP + 1;

// ---------------------------------------------------------------------------------------------------
// Arbitrary claims: every optional field present or absent, numbers from small to the largest allowed.

const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b));
const uint = fc.oneof(fc.nat({ max: 200 }), fc.nat({ max: 2 ** 32 }), fc.maxSafeNat());
const timestamp = fc.oneof(fc.nat({ max: 4_000_000_000 }), fc.nat({ max: MAX_TIMESTAMP }), fc.constant(0));
const text = fc.oneof(fc.string({ maxLength: 32 }), fc.string({ unit: 'binary', maxLength: 40 }));
const extension: fc.Arbitrary<Extension> = fc.record({
  type: fc.string({ unit: fc.nat({ max: 255 }).map((c) => String.fromCharCode(c)), minLength: 4, maxLength: 4 }),
  payload: fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b)),
});
const extensions = fc.array(extension, { maxLength: 4 });

const wvPolicy: fc.Arbitrary<WidevinePolicy> = fc.record({
  drm: fc.constant('wv' as const),
  securityLevel: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const, 5 as const),
  hdcpOutputControl: fc.constantFrom(0 as const, 1 as const, 2 as const),
  licenseDuration: fc.option(uint, { nil: null }),
  contentId: fc.option(text, { nil: null }),
  extensions,
});
const fpPolicy: fc.Arbitrary<FairPlayPolicy> = fc.record({
  drm: fc.constant('fp' as const),
  rentalDuration: uint,
  rightsType: fc.constantFrom(null, 'BuyToOwn' as const, 'Rental' as const),
  extensions,
});

const claimsArb: fc.Arbitrary<TokenClaims> = fc.oneof(wvPolicy as fc.Arbitrary<LicensePolicy>, fpPolicy).chain(
  (policy) =>
    fc.record({
      tokenId: bytes16,
      account: uint,
      environment: fc.constantFrom('test' as const, 'production' as const),
      drm: fc.constant(policy.drm),
      issuedAt: timestamp,
      expiresAt: timestamp,
      cookie: fc.option(text, { nil: null }),
      kid: fc.option(bytes16, { nil: null }),
      contentKey: bytes16,
      iv: policy.drm === 'fp' ? bytes16 : fc.constant(null),
      policy: fc.constant(policy),
    }) as fc.Arbitrary<TokenClaims>,
);

/** The details of the -4010 error `fn` throws; any other outcome fails the property. */
function details(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ExpressPlayError && error.code === -4010) return error.details;
    throw error;
  }
  throw new Error('opened');
}

const bytesOf = (token: string) => Buffer.from(token, 'base64url');
const tokenOf = (bytes: Buffer) => bytes.toString('base64url');

// ---------------------------------------------------------------------------------------------------

describe('token codec properties', () => {
  it('round-trips arbitrary claims', () => {
    fc.assert(
      fc.property(claimsArb, (claims) => {
        expect(openToken(sealToken(claims, RING), RING, -1)).toEqual(claims);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses any single changed byte with -4010, never "expired"', () => {
    fc.assert(
      fc.property(claimsArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (claims, index, mask) => {
        const bytes = bytesOf(sealToken(claims, RING));
        const at = index % bytes.length;
        bytes[at] ^= mask;
        // Opened long after expiry: a forgery that got through would say "expired" (or open).
        const said = details(() => openToken(tokenOf(bytes), RING, AFTER_EVERYTHING));
        expect(said).toBe(at === 1 && !RING.has(bytes[1]) ? TOKEN_UNKNOWN_KEY : TOKEN_FORGED);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses any truncation, of the bytes or of the text', () => {
    fc.assert(
      fc.property(claimsArb, fc.nat(), (claims, cut) => {
        const token = sealToken(claims, RING);
        const bytes = bytesOf(token);
        expect(details(() => openToken(tokenOf(bytes.subarray(0, cut % bytes.length)), RING, -1))).toBe(TOKEN_FORGED);
        expect(details(() => openToken(token.slice(0, cut % token.length), RING, -1))).toBe(TOKEN_FORGED);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses appended bytes', () => {
    fc.assert(
      fc.property(claimsArb, fc.uint8Array({ minLength: 1, maxLength: 20 }), (claims, extra) => {
        const bytes = Buffer.concat([bytesOf(sealToken(claims, RING)), extra]);
        expect(details(() => openToken(tokenOf(bytes), RING, -1))).toBe(TOKEN_FORGED);
      }),
      { numRuns: 200 },
    );
  });

  it('says "unknown token key" for a key id outside the ring', () => {
    fc.assert(
      fc.property(
        claimsArb,
        fc.integer({ min: 1, max: 255 }),
        fc.integer({ min: 1, max: 255 }),
        (claims, sealId, otherId) => {
          fc.pre(sealId !== otherId);
          const sealer = createKeyRing([{ id: sealId, key: Buffer.alloc(32, 7) }]);
          const opener = createKeyRing([{ id: otherId, key: Buffer.alloc(32, 7) }]);
          const token = sealToken(claims, sealer);
          expect(details(() => openToken(token, opener, AFTER_EVERYTHING))).toBe(TOKEN_UNKNOWN_KEY);
          expect(openToken(token, sealer, -1)).toEqual(claims);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('says "token expired" exactly when an authentic token is at or past expiresAt', () => {
    fc.assert(
      fc.property(claimsArb, fc.integer({ min: -100, max: 100 }), (claims, offset) => {
        const token = sealToken(claims, RING);
        const now = claims.expiresAt + offset;
        if (now >= claims.expiresAt) expect(details(() => openToken(token, RING, now))).toBe(TOKEN_EXPIRED);
        else expect(openToken(token, RING, now)).toEqual(claims);
      }),
      { numRuns: 300 },
    );
  });

  it('answers any text with a -4010 that is never "expired"', () => {
    const anyText = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({
        unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_='),
        maxLength: 200,
      }),
      // A plausible header (version 1, a ring key id) on random bytes.
      fc
        .tuple(fc.constantFrom(1, 2), fc.uint8Array({ maxLength: 150 }))
        .map(([id, rest]) => tokenOf(Buffer.concat([Buffer.from([1, id]), rest]))),
    );
    fc.assert(
      fc.property(anyText, (t) => {
        expect([TOKEN_FORGED, TOKEN_UNKNOWN_KEY]).toContain(details(() => openToken(t, RING, AFTER_EVERYTHING)));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('claims encoding properties (below the AEAD)', () => {
  const encode = (claims: TokenClaims) => {
    const out = Buffer.alloc(claimsSize(claims));
    expect(writeClaims(claims, out, 0)).toBe(out.length);
    return out;
  };

  it('is canonical: a changed byte either fails to decode or re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(claimsArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (claims, index, mask) => {
        const bytes = encode(claims);
        bytes[index % bytes.length] ^= mask;
        let decoded: TokenClaims;
        try {
          decoded = readClaims(bytes, 0, bytes.length);
        } catch (error) {
          expect(error).toBeInstanceOf(CorruptClaims);
          return;
        }
        expect(encode(decoded)).toEqual(bytes);
      }),
      { numRuns: 1000 },
    );
  });

  it('throws only CorruptClaims on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (raw) => {
        const bytes = Buffer.from(raw);
        try {
          const decoded = readClaims(bytes, 0, bytes.length);
          expect(encode(decoded)).toEqual(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(CorruptClaims);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
