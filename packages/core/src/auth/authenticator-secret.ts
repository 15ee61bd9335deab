import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Authenticator secrets are stored only as HMAC-SHA-256 under a server-wide pepper: a leaked table
 * cannot be replayed, and without the pepper it cannot be brute-forced offline either.
 */
export function hashAuthenticatorSecret(pepper: Buffer, secretHex: string): Buffer {
  return createHmac('sha256', pepper).update(secretHex.toLowerCase(), 'latin1').digest();
}

export function newAuthenticatorSecret(): string {
  return randomBytes(16).toString('hex');
}

/** True when `hash` equals one of `candidates`; every candidate is compared, in constant time. */
export function matchesAnyHash(hash: Buffer, candidates: readonly Buffer[]): boolean {
  let found = false;
  for (const candidate of candidates) {
    if (candidate.length === hash.length && timingSafeEqual(candidate, hash)) found = true;
  }
  return found;
}

export function formatAuthenticator(account: number, secretHex: string): string {
  return `${account},${secretHex}`;
}
