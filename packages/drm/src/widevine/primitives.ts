import { timingSafeEqual, type KeyObject } from 'node:crypto';
import { aesCbc, aesCbcMac, aesEcb, hmac, rsaOaepSha1Encrypt, rsaPssVerify } from '@openplay/cipher';

const ZERO_BLOCK = Buffer.alloc(16);
const RB = 0x87;

function shiftLeft(block: Buffer): Buffer {
  const out = Buffer.alloc(16);
  let carry = 0;
  for (let i = 15; i >= 0; i--) {
    const b = block[i];
    out[i] = ((b << 1) & 0xff) | carry;
    carry = b >>> 7;
  }
  return out;
}

/**
 * A reusable AES-128-CMAC (RFC 4493) key: its subkeys are computed once, and a message is laid out once (padded,
 * last block XORed with its subkey) and CBC-MACed in one call.
 */
export class Cmac {
  private readonly k1: Buffer;
  private readonly k2: Buffer;

  constructor(private readonly key: Buffer) {
    if (key.length !== 16) throw new RangeError('CMAC key must be 16 bytes');
    const l = aesEcb('encrypt', key, ZERO_BLOCK); // AES(K, 0^128)
    this.k1 = shiftLeft(l);
    if (l[0] & 0x80) this.k1[15] ^= RB;
    this.k2 = shiftLeft(this.k1);
    if (this.k1[0] & 0x80) this.k2[15] ^= RB;
  }

  /** CMAC over `parts` concatenated. */
  mac(...parts: Buffer[]): Buffer {
    return this.macPrepared(this.prepare(parts));
  }

  /**
   * `parts` concatenated and laid out for CBC-MAC: padded (10*) to whole blocks, the last block XORed with K1
   * (complete) or K2 (padded). Changing a byte of the message means XORing the same difference into the layout.
   */
  prepare(parts: readonly Buffer[]): Buffer {
    let n = 0;
    for (const part of parts) n += part.length;
    const complete = n > 0 && n % 16 === 0;
    const size = complete ? n : n - (n % 16) + 16;
    const layout = Buffer.allocUnsafe(size);
    let pos = 0;
    for (const part of parts) pos += part.copy(layout, pos);
    if (!complete) {
      layout[pos] = 0x80;
      layout.fill(0, pos + 1);
    }
    const subkey = complete ? this.k1 : this.k2;
    const last = size - 16;
    for (let j = 0; j < 16; j++) layout[last + j] ^= subkey[j];
    return layout;
  }

  /** The CMAC of a message laid out by `prepare` (left as it was, so it can be reused). */
  macPrepared(layout: Buffer): Buffer {
    return aesCbcMac(this.key, layout);
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

/** Counter byte 1 and the label of each derivation: the AUTHENTICATION context starts with exactly one block. */
const ENCRYPTION = Buffer.from('\x01ENCRYPTION\0', 'latin1');
const AUTHENTICATION = Buffer.from('\x01AUTHENTICATION\0', 'latin1');
const BITS_128 = Buffer.from([0, 0, 0x00, 0x80]);
const BITS_512 = Buffer.from([0, 0, 0x02, 0x00]);

/**
 * Widevine's session key derivation (NIST 800-108 counter mode, AES-CMAC PRF, counter byte prepended) over the
 * exact bytes of the request's `SignedMessage.msg`.
 */
export function deriveSessionKeys(sessionKey: Buffer, requestMsg: Buffer): DerivedKeys {
  const macKeys = Buffer.allocUnsafe(64);
  const encKey = deriveInto(new Cmac(sessionKey), requestMsg, macKeys, 4);
  return { encKey, macKeyServer: macKeys.subarray(0, 32), macKeyClient: macKeys.subarray(32, 64) };
}

/**
 * Only what a NEW license needs (enc_key, mac_key_server): the licenser replaces the client MAC key through the
 * SIGNING key, so the derived mac_key_client is never used and its two CMACs are skipped.
 */
export function deriveServerKeys(sessionKey: Buffer, requestMsg: Buffer): Omit<DerivedKeys, 'macKeyClient'> {
  const macKeyServer = Buffer.allocUnsafe(32);
  const encKey = deriveInto(new Cmac(sessionKey), requestMsg, macKeyServer, 2);
  return { encKey, macKeyServer };
}

/** enc_key; and the first `blocks` AUTHENTICATION outputs (counters 1…blocks) written to `macKeys`. */
function deriveInto(cmac: Cmac, requestMsg: Buffer, macKeys: Buffer, blocks: number): Buffer {
  const encKey = cmac.mac(ENCRYPTION, requestMsg, BITS_128);
  // The AUTHENTICATION messages differ only in their counter byte, the first byte of the layout.
  const layout = cmac.prepare([AUTHENTICATION, requestMsg, BITS_512]);
  for (let counter = 1; counter <= blocks; counter++) {
    if (counter > 1) layout[0] ^= (counter - 1) ^ counter;
    cmac.macPrepared(layout).copy(macKeys, 16 * (counter - 1));
  }
  return encKey;
}

/** AES-CBC (16- or 32-byte key), with PKCS#7 padding when `padding`; without it `plain` must be whole blocks. */
export function aesCbcEncrypt(key: Buffer, iv: Buffer, plain: Buffer, padding: boolean): Buffer {
  if (!padding) return aesCbc('encrypt', key, iv, plain);
  const pad = 16 - (plain.length % 16);
  const block = Buffer.allocUnsafe(plain.length + pad);
  plain.copy(block, 0);
  block.fill(pad, plain.length);
  return aesCbc('encrypt', key, iv, block);
}

/** AES-CBC decryption with PKCS#7 padding; throws a RangeError when the input or its padding is malformed. */
export function aesCbcDecrypt(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  if (data.length === 0 || data.length % 16 !== 0) throw new RangeError('AES-CBC: ciphertext must be whole blocks');
  const plain = aesCbc('decrypt', key, iv, data);
  const pad = plain[plain.length - 1];
  const end = plain.length - pad;
  if (pad === 0 || pad > 16) throw new RangeError('AES-CBC: bad padding');
  for (let j = end; j < plain.length; j++) if (plain[j] !== pad) throw new RangeError('AES-CBC: bad padding');
  return plain.subarray(0, end);
}

/** HMAC-SHA256 over `parts` concatenated. */
export function hmacSha256(key: Buffer, ...parts: Buffer[]): Buffer {
  return hmac('sha256', key, parts.length === 1 ? parts[0] : Buffer.concat(parts));
}

export function equalBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** RSASSA-PSS with MGF1 over the same hash and a salt as long as the digest (20 bytes for SHA-1). */
export function verifyPss(
  key: KeyObject,
  hash: 'sha1' | 'sha256' | 'sha384',
  data: Buffer,
  signature: Buffer,
): boolean {
  try {
    return rsaPssVerify(key, hash, data, signature);
  } catch {
    return false;
  }
}

/** RSAES-OAEP with SHA-1/MGF1-SHA-1 and an empty label, as OpenSSL's RSA_PKCS1_OAEP_PADDING. */
export function oaepEncrypt(key: KeyObject, data: Buffer): Buffer {
  return rsaOaepSha1Encrypt(key, data);
}

/** The protocol's HashAlgorithmProto (0 unspecified and 1 mean SHA-1) as a node hash name; undefined when unknown. */
export function hashAlgorithmName(algorithm: number | undefined): 'sha1' | 'sha256' | 'sha384' | undefined {
  switch (algorithm ?? 0) {
    case 0:
    case 1:
      return 'sha1';
    case 2:
      return 'sha256';
    case 3:
      return 'sha384';
    default:
      return undefined;
  }
}
