import { createHash } from 'node:crypto';

/**
 * The 16-byte key ID of a `^name` kid: the first 16 bytes of SHA-1 of `name` (the part after `^`, which
 * is not hashed), as ExpressPlay's key storage defines it: `stringKid('kid1')` = 80ea8bc8a58f990ad1f76bc665b30bfa.
 * The name is hashed as UTF-8; the request parser only lets printable ASCII through, where UTF-8 and the
 * reference implementation's "ascii" encoding agree.
 */
export function stringKid(name: string): Buffer {
  return createHash('sha1').update(name, 'utf8').digest().subarray(0, 16);
}
