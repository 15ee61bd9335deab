import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ExpressPlayError } from '../errors';

/** RFC 3394 §2.2.3.1 default initial value; OpenSSL's wrap ciphers check it on unwrap (the integrity check). */
const DEFAULT_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');

const WRAP_CIPHERS: Readonly<Record<number, string>> = {
  16: 'id-aes128-wrap',
  24: 'id-aes192-wrap',
  32: 'id-aes256-wrap',
};

function wrapCipher(kek: Buffer): string {
  const name = WRAP_CIPHERS[kek.length];
  // A kek of another length cannot come from a request (the parser insists on 16 bytes): a caller bug.
  if (name === undefined) throw new RangeError(`AES key wrap needs a 16, 24 or 32-byte kek, got ${kek.length} bytes`);
  return name;
}

/** RFC 3394 AES Key Wrap of `key` (a multiple of 8 bytes, at least 16) under `kek` (16, 24 or 32 bytes). */
export function aesKeyWrap(kek: Buffer, key: Buffer): Buffer {
  if (key.length < 16 || key.length % 8 !== 0) {
    throw new RangeError(`AES key wrap needs key data of a multiple of 8 bytes, at least 16, got ${key.length} bytes`);
  }
  const cipher = createCipheriv(wrapCipher(kek), kek, DEFAULT_IV);
  return Buffer.concat([cipher.update(key), cipher.final()]);
}

/**
 * RFC 3394 AES Key Unwrap with the integrity check. Wrapped data comes from clients, so a bad length or a
 * failed check is -4024 (the catalog's "Invalid encrypted key or kek"), never a crash.
 */
export function aesKeyUnwrap(kek: Buffer, wrapped: Buffer): Buffer {
  const cipherName = wrapCipher(kek);
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) {
    throw new ExpressPlayError(-4024, 'wrapped key must be a multiple of 8 bytes, at least 24');
  }
  try {
    const decipher = createDecipheriv(cipherName, kek, DEFAULT_IV);
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch {
    // OpenSSL reports the failed integrity check as a generic cipher error; its text says nothing useful.
    throw new ExpressPlayError(-4024, 'AES key unwrap integrity check failed (wrong kek or corrupted ek)');
  }
}
