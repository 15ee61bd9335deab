import { ExpressPlayError } from '../errors';
import type { TokenClaims } from './claims';
import {
  afterExpiryNote,
  assertIssuedWhileValid,
  createKeyRing,
  LICENSE_CLOCK_SKEW_SECONDS,
  openGenuineToken,
  openToken,
  outlivesToken,
  RELEASED_AFTER_TOKEN_EXPIRY,
  RENEWED_AFTER_TOKEN_EXPIRY,
  sealToken,
  TOKEN_EXPIRED,
  TOKEN_EXPIRED_NOT_ISSUER,
  TOKEN_FORGED,
  TOKEN_UNKNOWN_KEY,
} from '.';

const RING = createKeyRing([{ id: 7, key: Buffer.alloc(32, 0x5a) }]);
const OTHER_RING = createKeyRing([{ id: 8, key: Buffer.alloc(32, 0x5a) }]);
const ISSUED = 1767225600; // 2026-01-01T00:00:00Z
const EXPIRES = ISSUED + 600;

const claims: TokenClaims = {
  tokenId: Buffer.alloc(16, 0x11),
  account: 4242,
  environment: 'test',
  drm: 'wv',
  issuedAt: ISSUED,
  expiresAt: EXPIRES,
  cookie: 'relaxed',
  kid: Buffer.alloc(16, 0x22),
  contentKey: Buffer.alloc(16, 0x33),
  iv: null,
  policy: { drm: 'wv', securityLevel: 1, hdcpOutputControl: 0, licenseDuration: 7200, contentId: null, extensions: [] },
};

/** The -4010 details `fn` throws. */
function refusal(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressPlayError);
    expect((error as ExpressPlayError).code).toBe(-4010);
    return (error as ExpressPlayError).details;
  }
  throw new Error('expected a -4010 error');
}

describe('openGenuineToken', () => {
  const token = sealToken(claims, RING);

  it('opens a valid token as openToken does, saying it has not expired', () => {
    expect(openGenuineToken(token, RING, EXPIRES - 1)).toEqual({ claims, expired: false });
    expect(openToken(token, RING, EXPIRES - 1)).toEqual(claims);
  });

  it('opens a genuine token from its expiry on, saying so, where openToken refuses it', () => {
    for (const now of [EXPIRES, EXPIRES + 1, EXPIRES + 365 * 86400]) {
      expect(openGenuineToken(token, RING, now)).toEqual({ claims, expired: true });
      expect(refusal(() => openToken(token, RING, now))).toBe(TOKEN_EXPIRED);
    }
    expect(openGenuineToken(token, RING, NaN).expired).toBe(true);
  });

  it('still refuses a forged token, expired or not, as forged', () => {
    const bytes = Buffer.from(token, 'base64url');
    for (const at of [0, 2, 20, bytes.length - 1]) {
      const changed = Buffer.from(bytes);
      changed[at] ^= 0x01;
      for (const now of [ISSUED, EXPIRES + 86400]) {
        expect(refusal(() => openGenuineToken(changed.toString('base64url'), RING, now))).toBe(TOKEN_FORGED);
      }
    }
    expect(refusal(() => openGenuineToken('not a token', RING, ISSUED))).toBe(TOKEN_FORGED);
    expect(refusal(() => openGenuineToken('', RING, ISSUED))).toBe(TOKEN_FORGED);
  });

  it('still refuses a token whose key was retired, expired or not', () => {
    for (const now of [ISSUED, EXPIRES + 86400]) {
      expect(refusal(() => openGenuineToken(token, OTHER_RING, now))).toBe(TOKEN_UNKNOWN_KEY);
    }
  });
});

describe('outlivesToken', () => {
  it('lets only a Widevine renewal or release outlive its token', () => {
    expect(outlivesToken('wv', 'renewal')).toBe(true);
    expect(outlivesToken('wv', 'release')).toBe(true);
    for (const type of ['new', 'license', 'service-certificate', null]) {
      expect(outlivesToken('wv', type)).toBe(false);
    }
    for (const type of ['renewal', 'release', 'ckc', 'new']) {
      expect(outlivesToken('fp', type)).toBe(false);
      expect(outlivesToken('ck', type)).toBe(false);
    }
  });
});

describe('afterExpiryNote', () => {
  it('names what a request admitted under an expired token was, and nothing else', () => {
    expect(afterExpiryNote('renewal')).toBe(RENEWED_AFTER_TOKEN_EXPIRY);
    expect(afterExpiryNote('release')).toBe(RELEASED_AFTER_TOKEN_EXPIRY);
    expect(afterExpiryNote('new')).toBeNull();
    expect(afterExpiryNote(null)).toBeNull();
  });
});

describe('assertIssuedWhileValid', () => {
  it('accepts a license issued from the token issue time (less the clock skew) to its expiry', () => {
    for (const at of [ISSUED - LICENSE_CLOCK_SKEW_SECONDS, ISSUED, ISSUED + 1, EXPIRES - 1, EXPIRES]) {
      expect(() => assertIssuedWhileValid(claims, at)).not.toThrow();
    }
  });

  it('refuses a license issued before the token or after it expired, with -4010', () => {
    for (const at of [0, ISSUED - LICENSE_CLOCK_SKEW_SECONDS - 1, EXPIRES + 1, EXPIRES + 86400]) {
      expect(refusal(() => assertIssuedWhileValid(claims, at))).toBe(TOKEN_EXPIRED_NOT_ISSUER);
    }
  });
});
