import { loadNativeCipher, type NativeCipher } from './native-addon';
import { nodeCipher } from './node-cipher';

export type { NativeCipher } from './native-addon';
export { loadNativeCipher } from './native-addon';
export { nodeCipher } from './node-cipher';

const native = loadNativeCipher();
const impl: NativeCipher = native ?? nodeCipher;

/** Which implementation serves this process: the addon, or node:crypto when OPENPLAY_NATIVE=off. */
export const cipherBackend: 'native' | 'node:crypto' = native ? 'native' : 'node:crypto';

export type Direction = 'encrypt' | 'decrypt';

const NO_IV = Buffer.alloc(0);

function wholeBlocks(what: string, data: Buffer): void {
  if (!Buffer.isBuffer(data) || data.length % 16 !== 0) throw new RangeError(`${what}: data must be whole 16-byte blocks`);
}

/** AES-ECB without padding (a 16- or 32-byte key) over whole blocks. */
export function aesEcb(direction: Direction, key: Buffer, data: Buffer): Buffer {
  wholeBlocks('AES-ECB', data);
  const out = Buffer.allocUnsafe(data.length);
  impl.aes(out, 0, direction === 'encrypt' ? 1 : 0, key, NO_IV, data);
  return out;
}

/** AES-CBC without padding (a 16- or 32-byte key, a 16-byte IV) over whole blocks. */
export function aesCbc(direction: Direction, key: Buffer, iv: Buffer, data: Buffer): Buffer {
  wholeBlocks('AES-CBC', data);
  const out = Buffer.allocUnsafe(data.length);
  impl.aes(out, 1, direction === 'encrypt' ? 1 : 0, key, iv, data);
  return out;
}

/** The last block of AES-128-CBC from a zero IV over whole blocks (CBC-MAC; CMAC lays out its input first). */
export function aesCbcMac(key: Buffer, data: Buffer): Buffer {
  wholeBlocks('AES-CBC-MAC', data);
  const out = Buffer.allocUnsafe(16);
  impl.cbcMac(out, key, data);
  return out;
}

/** AES-256-GCM, 12-byte IV, 16-byte tag: writes the ciphertext to `out` (which may be `plain` itself) and the tag to `tag`. */
export function aes256GcmEncryptInto(out: Buffer, tag: Buffer, key: Buffer, iv: Buffer, aad: Buffer, plain: Buffer): void {
  impl.gcm(out, 1, key, iv, aad, plain, tag);
}

/** AES-256-GCM, 12-byte IV, 16-byte tag: the plaintext, or null when the tag does not authenticate the input. */
export function aes256GcmDecrypt(key: Buffer, iv: Buffer, aad: Buffer, ciphertext: Buffer, tag: Buffer): Buffer | null {
  const out = Buffer.allocUnsafe(ciphertext.length);
  return impl.gcm(out, 0, key, iv, aad, ciphertext, tag) ? out : null;
}

const DIGEST_BYTES = { sha1: 20, sha256: 32, sha512: 64 } as const;
const HASH_CODE = { sha1: 1, sha256: 256, sha512: 512 } as const;

/** HMAC of one buffer. */
export function hmac(hash: keyof typeof DIGEST_BYTES, key: Buffer, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(DIGEST_BYTES[hash]);
  impl.hmac(out, HASH_CODE[hash], key, data);
  return out;
}
