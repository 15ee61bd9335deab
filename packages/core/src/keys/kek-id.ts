import { createHash } from 'node:crypto';

/**
 * The key store's name for a kek: `"#1." + hex(SHA-1("KEKID_1" + hex(kek)))`, the kek's hex in lower case.
 * The digest is written in full (40 digits) and in upper case, as ExpressPlay's key storage returns it
 * (`#1.952241B0259652B68A8CAE2BE819DFA3390CDB35` for kek 1111…11). SKeyMa, the reference server, prints the
 * first 32 digits in lower case instead; compare kek ids case-insensitively if such values are imported.
 */
export function kekId(kek: Buffer): string {
  const digest = createHash('sha1')
    .update(`KEKID_1${kek.toString('hex')}`, 'ascii')
    .digest('hex');
  return `#1.${digest.toUpperCase()}`;
}
