import { ERROR_CATALOG, ExpressPlayError } from '../../errors';
import { aesKeyWrap } from '../../keys/key-wrap';
import { parseTokenRequest } from '../parse-token-request';
import type { Drm, RawParams, TokenRequest } from '../types';

/**
 * Fixtures and helpers for the request rules' specs. Not exported from the package, and free of jest's
 * globals because tsconfig.build.json compiles everything under src/ that is not a .spec.ts.
 */

export const NOW = 1_700_000_000; // 2023-11-14T22:13:20Z
export const DAY = 86_400;
export const SECRET = '1ad8eed133edf43cbcc185f0236828ae';
export const AUTHENTICATOR = `201722,${SECRET}`;
export const KID = 'b366360da82e9c6e0b0984002a362cf2';
export const CONTENT_KEY = '00112233445566778899aabbccddeeff';
export const KEK = '000102030405060708090a0b0c0d0e0f';
/** CONTENT_KEY wrapped under KEK: RFC 3394 §4.1. */
export const EK = '1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5';
export const IV = '0f0e0d0c0b0a09080706050403020100';
export const OTHER_KEY = 'ffeeddccbbaa99887766554433221100';

/** A value per parameter, or several (repeated), or null to leave the parameter out. */
export type Overrides = Readonly<Record<string, string | readonly string[] | null>>;

export const VALID: Readonly<Record<Drm, Overrides>> = {
  wv: {
    customerAuthenticator: AUTHENTICATOR,
    kid: KID,
    contentKey: CONTENT_KEY,
    securityLevel: '1',
    hdcpOutputControl: '0',
  },
  fp: { customerAuthenticator: AUTHENTICATOR, contentKey: CONTENT_KEY, iv: IV },
  ck: { customerAuthenticator: AUTHENTICATOR, kid: KID, contentKey: CONTENT_KEY },
};

export function paramsOf(drm: Drm, overrides: Overrides = {}): RawParams {
  const merged: Record<string, string | readonly string[] | null> = { ...VALID[drm], ...overrides };
  const params: [string, string][] = [];
  for (const [name, value] of Object.entries(merged)) {
    if (value === null) continue;
    for (const one of typeof value === 'string' ? [value] : value) params.push([name, one]);
  }
  return params;
}

/** As a form or query decoder hands them over: `+` becomes a space. */
export function paramsOfQuery(query: string): RawParams {
  return [...new URLSearchParams(query)];
}

export function attempt(run: () => unknown): ExpressPlayError {
  try {
    run();
  } catch (error) {
    if (error instanceof ExpressPlayError) return error;
    throw error;
  }
  throw new Error('expected an ExpressPlayError, but the call succeeded');
}

export function parse(drm: Drm, overrides: Overrides = {}): TokenRequest {
  return parseTokenRequest(drm, paramsOf(drm, overrides), NOW);
}

export function refusal(drm: Drm, overrides: Overrides): ExpressPlayError {
  return attempt(() => parse(drm, overrides));
}

/** The hex secrets (authenticator secret, keys) of a request, and the fixtures', that `message` repeats. */
export function leakedSecrets(message: string, params: RawParams): string[] {
  const secretNames = new Set(['customerAuthenticator', 'contentKey', 'kek', 'ek']);
  const secrets = params
    .filter(([name]) => secretNames.has(name))
    .flatMap(([, value]) => value.toLowerCase().match(/[0-9a-f]{16,}/g) ?? []);
  const lower = message.toLowerCase();
  return [...secrets, SECRET, CONTENT_KEY, KEK, EK, OTHER_KEY].filter((secret) => lower.includes(secret));
}

export function statusOf(code: keyof typeof ERROR_CATALOG): number {
  return ERROR_CATALOG[code].status;
}

export function wrapHex(kek: string, key: string): string {
  return aesKeyWrap(Buffer.from(kek, 'hex'), Buffer.from(key, 'hex')).toString('hex');
}
