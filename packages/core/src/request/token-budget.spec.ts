import { MAX_TOKEN_LENGTH, sealedTokenLength } from '../token';
import type { TokenClaims } from '../token/claims';
import { MAX_EXTENSION_PAYLOAD_BYTES, MAX_EXTENSION_PAYLOAD_CHARS, MAX_EXTENSIONS } from './extensions';
import { parseTokenRequest } from './parse-token-request';
import { NOW, paramsOf } from './testing/requests';
import { MAX_CONTENT_ID_CHARS, MAX_COOKIE_CHARS } from './token-checks';
import type { Drm, TokenRequest } from './types';

// The request limits exist so that every request that passes them seals into a token (src/token/FORMAT.md).

function claimsOf(request: TokenRequest): TokenClaims {
  return {
    tokenId: Buffer.alloc(16, 1),
    account: Number.MAX_SAFE_INTEGER,
    environment: 'production',
    drm: request.drm,
    issuedAt: NOW,
    expiresAt: request.expiresAt,
    cookie: request.cookie,
    kid: request.kid,
    contentKey: Buffer.alloc(16, 2),
    iv: request.iv,
    policy: request.policy,
    keys: request.keys?.map(({ kid, track, securityLevel, hdcpOutputControl, maxResolutionPixels, iv }) => ({
      kid,
      contentKey: Buffer.alloc(16, 2),
      track,
      securityLevel,
      hdcpOutputControl,
      maxResolutionPixels,
      iv,
    })),
  } as TokenClaims;
}

// Four UTF-8 bytes per character: the most text the limits let through.
const widest = (chars: number): string => '😀'.repeat(chars);

// The budget is spread over as many extensions as allowed, each with its own type and length prefix.
function mostExtensions(): string[] {
  const first = 'A'.repeat(MAX_EXTENSION_PAYLOAD_CHARS - 4 * (MAX_EXTENSIONS - 1) - 4);
  return [`wudo,${first}`, ...Array<string>(MAX_EXTENSIONS - 1).fill('wudo,AAAA')];
}

describe('a request at every limit', () => {
  it.each<Drm>(['wv', 'fp'])('%s: still seals into a token', (drm) => {
    const name = drm === 'wv' ? 'wvExtension' : 'fpExtension';
    const request = parseTokenRequest(
      drm,
      paramsOf(drm, {
        kid: '^kid1',
        cookie: widest(MAX_COOKIE_CHARS),
        [name]: mostExtensions(),
        ...(drm === 'wv'
          ? { contentId: widest(MAX_CONTENT_ID_CHARS), licenseDuration: '2147483647' }
          : { rentalDuration: '2147483647', rightsType: 'Rental' }),
      }),
      NOW,
    );
    const payloadBytes = request.policy.extensions.reduce((sum, extension) => sum + extension.payload.length, 0);
    expect(payloadBytes).toBeGreaterThan(MAX_EXTENSION_PAYLOAD_BYTES - 8);
    expect(request.policy.extensions).toHaveLength(MAX_EXTENSIONS);
    expect(sealedTokenLength(claimsOf(request))).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
  });
});

describe('a multi-key request at every limit', () => {
  it.each<Drm>(['wv', 'fp'])('%s: 32 keys with the most extensions still seal into a token', (drm) => {
    const name = drm === 'wv' ? 'wvExtension' : 'fpExtension';
    const third = (i: number) => (drm === 'wv' ? 'UHD2' : i.toString(16).padStart(32, 'f'));
    const request = parseTokenRequest(
      drm,
      paramsOf(drm, {
        kid: null,
        contentKey: null,
        key: Array.from({ length: 32 }, (_, i) => `${i.toString(16).padStart(32, '0')},${'ab'.repeat(16)},${third(i)}`),
        cookie: widest(MAX_COOKIE_CHARS),
        [name]: mostExtensions(),
        ...(drm === 'wv'
          ? {
              contentId: widest(MAX_CONTENT_ID_CHARS),
              licenseDuration: '2147483647',
              trackHdcpOutputControl: 'UHD2:5',
              trackMaxResolution: 'UHD2:16384x16384',
            }
          : { rentalDuration: '2147483647', rightsType: 'Rental' }),
      }),
      NOW,
    );
    expect(request.keys).toHaveLength(32);
    if (drm === 'wv') expect(request.keys?.[31].maxResolutionPixels).toBe(16384 * 16384);
    expect(sealedTokenLength(claimsOf(request))).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
  });
});
