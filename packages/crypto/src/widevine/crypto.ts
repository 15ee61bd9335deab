import {
  constants,
  createCipheriv,
  type Cipher,
  createDecipheriv,
  createHmac,
  publicEncrypt,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';

const ZERO_IV = Buffer.alloc(16);
const RB = 0x87;

function shiftLeft(block: Buffer): Buffer {
  const out = Buffer.alloc(16);
  let carry = 0;
  for (let i = 15; i >= 0; i--) {
    const b = block[i]!;
    out[i] = ((b << 1) & 0xff) | carry;
    carry = b >>> 7;
  }
  return out;
}

/**
 * A reusable AES-128-CMAC (RFC 4493) key. One AES-CBC cipher serves the subkey computation and every MAC: CBC computes
 * C_i = AES(P_i ⊕ C_{i-1}), so feeding a message's first block XORed with the previous output restarts the chain
 * from a zero IV — each `mac` equals a fresh CBC-MAC without creating a cipher per MAC (the dominant cost for
 * kilobyte inputs in Node).
 */
export class Cmac {
  private readonly k1: Buffer;
  private readonly k2: Buffer;
  private readonly cipher: Cipher;
  /** The chaining value: the last ciphertext block produced. */
  private previous: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 16) throw new RangeError('CMAC key must be 16 bytes');
    this.cipher = createCipheriv('aes-128-cbc', key, ZERO_IV).setAutoPadding(false);
    const l = this.cipher.update(Buffer.alloc(16)); // AES(K, 0^128)
    this.previous = l;
    this.k1 = shiftLeft(l);
    if (l[0]! & 0x80) this.k1[15] ^= RB;
    this.k2 = shiftLeft(this.k1);
    if (this.k1[0]! & 0x80) this.k2[15] ^= RB;
  }

  /** CMAC over `parts` concatenated, without copying them (the request bytes are the bulk). */
  mac(...parts: Buffer[]): Buffer {
    let n = 0;
    for (const part of parts) n += part.length;
    const complete = n > 0 && n % 16 === 0;
    const lastStart = n === 0 ? 0 : complete ? n - 16 : n - (n % 16);
    const last = Buffer.alloc(16);
    let pos = 0;
    if (lastStart === 0) {
      for (const part of parts) pos += part.copy(last, pos);
    } else {
      const first = Buffer.alloc(16);
      for (const part of parts) {
        let i = 0;
        if (pos < 16) {
          i = part.copy(first, pos, 0, Math.min(part.length, 16 - pos));
          pos += i;
          if (pos === 16) {
            for (let j = 0; j < 16; j++) first[j]! ^= this.previous[j]!; // restart the chain from a zero IV
            this.cipher.update(first);
          }
        }
        if (pos >= 16 && pos < lastStart && i < part.length) {
          const take = Math.min(part.length - i, lastStart - pos);
          this.cipher.update(part.subarray(i, i + take));
          pos += take;
          i += take;
        }
        if (pos >= lastStart && i < part.length) pos += part.copy(last, pos - lastStart, i);
      }
    }
    if (!complete) last[n - lastStart] = 0x80;
    const subkey = complete ? this.k1 : this.k2;
    for (let j = 0; j < 16; j++) last[j]! ^= subkey[j]!;
    if (lastStart === 0) for (let j = 0; j < 16; j++) last[j]! ^= this.previous[j]!;
    const out = this.cipher.update(last);
    this.previous = out.subarray(out.length - 16);
    return Buffer.from(this.previous);
  }
}

export interface DerivedKeys {
  /** 16 bytes: decrypts the key containers. */
  readonly encKey: Buffer;
  /** 32 bytes: HMAC key of server → client messages. */
  readonly macKeyServer: Buffer;
  /** 32 bytes: HMAC key of client → server messages. */
  readonly macKeyClient: Buffer;
}

const ENCRYPTION = Buffer.from('ENCRYPTION\0', 'latin1');
const AUTHENTICATION = Buffer.from('AUTHENTICATION\0', 'latin1');
const BITS_128 = Buffer.from([0, 0, 0x00, 0x80]);
const BITS_512 = Buffer.from([0, 0, 0x02, 0x00]);
const COUNTERS = [1, 2, 3, 4].map((c) => Buffer.from([c]));

/**
 * Widevine's session key derivation (NIST 800-108 counter mode, AES-CMAC PRF, counter byte prepended) over the
 * exact bytes of the request's `SignedMessage.msg`.
 */
export function deriveSessionKeys(sessionKey: Buffer, requestMsg: Buffer): DerivedKeys {
  const cmac = new Cmac(sessionKey);
  const [, , c3, c4] = COUNTERS as [Buffer, Buffer, Buffer, Buffer];
  const mac = (c: Buffer): Buffer => cmac.mac(c, AUTHENTICATION, requestMsg, BITS_512);
  return { ...deriveWith(cmac, requestMsg), macKeyClient: Buffer.concat([mac(c3), mac(c4)]) };
}

/**
 * Only what a NEW license needs (enc_key, mac_key_server): the licenser replaces the client MAC key through the
 * SIGNING key, so the derived mac_key_client is never used and its two CMACs are skipped.
 */
export function deriveServerKeys(sessionKey: Buffer, requestMsg: Buffer): Omit<DerivedKeys, 'macKeyClient'> {
  return deriveWith(new Cmac(sessionKey), requestMsg);
}

function deriveWith(cmac: Cmac, requestMsg: Buffer): Omit<DerivedKeys, 'macKeyClient'> {
  const [c1, c2] = COUNTERS as [Buffer, Buffer];
  const mac = (c: Buffer): Buffer => cmac.mac(c, AUTHENTICATION, requestMsg, BITS_512);
  return {
    encKey: cmac.mac(c1, ENCRYPTION, requestMsg, BITS_128),
    macKeyServer: Buffer.concat([mac(c1), mac(c2)]),
  };
}

export function aesCbcEncrypt(key: Buffer, iv: Buffer, plain: Buffer, padding: boolean): Buffer {
  const cipher = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(padding);
  return Buffer.concat([cipher.update(plain), cipher.final()]);
}

export function aesCbcDecrypt(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const decipher = createDecipheriv('aes-128-cbc', key, iv);
  return Buffer.concat([decipher.update(data), decipher.final()]);
}

export function hmacSha256(key: Buffer, ...parts: Buffer[]): Buffer {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

export function equalBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** RSASSA-PSS with MGF1 over the same hash and a salt as long as the digest (20 bytes for SHA-1). */
export function verifyPss(key: KeyObject, hash: 'sha1' | 'sha256' | 'sha384', data: Buffer, signature: Buffer): boolean {
  const saltLength = hash === 'sha1' ? 20 : hash === 'sha256' ? 32 : 48;
  try {
    return verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature);
  } catch {
    return false;
  }
}

/** RSAES-OAEP with SHA-1/MGF1-SHA-1 and an empty label, as OpenSSL's RSA_PKCS1_OAEP_PADDING. */
export function oaepEncrypt(key: KeyObject, data: Buffer): Buffer {
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, data);
}
