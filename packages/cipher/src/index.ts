import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  ADDON_PATH,
  loadNativeCipher,
  parseNativeSetting,
  tryLoadNativeCipher,
  type NativeCipher,
  type NativeSetting,
  type RsaKeyHandle,
} from './native-addon';
import { nodeCipher } from './node-cipher';

export type { NativeCipher, NativeSetting, RsaKeyHandle } from './native-addon';
export { ADDON_PATH, loadNativeCipher, NATIVE_SETTINGS, parseNativeSetting } from './native-addon';
export { nodeCipher } from './node-cipher';

export type CipherBackend = 'native' | 'node:crypto';

/** What {@link selectCipherBackend} chose, and why node:crypto when the setting allowed the addon. */
export interface CipherBackendChoice {
  readonly backend: CipherBackend;
  readonly setting: NativeSetting;
  /** Set when auto fell back to node:crypto: why the addon did not load. */
  readonly fallbackReason?: string;
}

/** Where the addon is loaded from: `OPENPLAY_NATIVE_ADDON` when set (tests point it at a missing file), else the build's. */
export function addonPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.OPENPLAY_NATIVE_ADDON?.trim() || ADDON_PATH;
}

let impl: NativeCipher | undefined;
let chosen: CipherBackendChoice | undefined;

/**
 * Chooses the implementation every function of this package runs on from now on, process-wide: the addon or
 * node:crypto, per `setting` (see {@link NativeSetting}). Throws when `setting` is required and the addon does not
 * load. An app calls it once at start-up; without a call, the first use chooses by `OPENPLAY_NATIVE`.
 */
export function selectCipherBackend(setting: NativeSetting, path: string = addonPath()): CipherBackendChoice {
  let native: NativeCipher | null = null;
  let fallbackReason: string | undefined;
  if (setting === 'auto') {
    const loaded = tryLoadNativeCipher(path);
    if ('cipher' in loaded) native = loaded.cipher;
    else fallbackReason = loaded.error;
  } else {
    native = loadNativeCipher(setting, path);
  }
  impl = native ?? nodeCipher;
  rsaKeys = new WeakMap();
  chosen = { backend: native ? 'native' : 'node:crypto', setting, ...(fallbackReason ? { fallbackReason } : {}) };
  return chosen;
}

function current(): NativeCipher {
  if (impl === undefined) selectCipherBackend(parseNativeSetting(process.env.OPENPLAY_NATIVE));
  return impl!;
}

/** Which implementation serves this process (choosing it by `OPENPLAY_NATIVE` if nothing has yet). */
export function cipherBackend(): CipherBackendChoice {
  current();
  return chosen!;
}

export type Direction = 'encrypt' | 'decrypt';

const NO_IV = Buffer.alloc(0);

function wholeBlocks(what: string, data: Buffer): void {
  if (!Buffer.isBuffer(data) || data.length % 16 !== 0)
    throw new RangeError(`${what}: data must be whole 16-byte blocks`);
}

/** AES-ECB without padding (a 16- or 32-byte key) over whole blocks. */
export function aesEcb(direction: Direction, key: Buffer, data: Buffer): Buffer {
  wholeBlocks('AES-ECB', data);
  const out = Buffer.allocUnsafe(data.length);
  current().aes(out, 0, direction === 'encrypt' ? 1 : 0, key, NO_IV, data);
  return out;
}

/** AES-CBC without padding (a 16- or 32-byte key, a 16-byte IV) over whole blocks. */
export function aesCbc(direction: Direction, key: Buffer, iv: Buffer, data: Buffer): Buffer {
  wholeBlocks('AES-CBC', data);
  const out = Buffer.allocUnsafe(data.length);
  current().aes(out, 1, direction === 'encrypt' ? 1 : 0, key, iv, data);
  return out;
}

/** The last block of AES-128-CBC from a zero IV over whole blocks (CBC-MAC; CMAC lays out its input first). */
export function aesCbcMac(key: Buffer, data: Buffer): Buffer {
  wholeBlocks('AES-CBC-MAC', data);
  const out = Buffer.allocUnsafe(16);
  current().cbcMac(out, key, data);
  return out;
}

/** AES-256-GCM, 12-byte IV, 16-byte tag: writes the ciphertext to `out` (which may be `plain` itself) and the tag to `tag`. */
export function aes256GcmEncryptInto(
  out: Buffer,
  tag: Buffer,
  key: Buffer,
  iv: Buffer,
  aad: Buffer,
  plain: Buffer,
): void {
  current().gcm(out, 1, key, iv, aad, plain, tag);
}

/** AES-256-GCM, 12-byte IV, 16-byte tag: the plaintext, or null when the tag does not authenticate the input. */
export function aes256GcmDecrypt(key: Buffer, iv: Buffer, aad: Buffer, ciphertext: Buffer, tag: Buffer): Buffer | null {
  const out = Buffer.allocUnsafe(ciphertext.length);
  return current().gcm(out, 0, key, iv, aad, ciphertext, tag) ? out : null;
}

const DIGEST_BYTES = { sha1: 20, sha256: 32, sha512: 64 } as const;
const HASH_CODE = { sha1: 1, sha256: 256, sha512: 512 } as const;

/** HMAC of one buffer. */
export function hmac(hash: keyof typeof DIGEST_BYTES, key: Buffer, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(DIGEST_BYTES[hash]);
  current().hmac(out, HASH_CODE[hash], key, data);
  return out;
}

/** Each KeyObject's handle in the current backend and its modulus length, made when the key is first used. */
let rsaKeys = new WeakMap<KeyObject, { handle: RsaKeyHandle; bytes: number }>();

function rsaKey(key: KeyObject): { handle: RsaKeyHandle; bytes: number } {
  let known = rsaKeys.get(key);
  if (known === undefined) {
    const publicKey = key.type === 'public' ? key : createPublicKey(key);
    const handle = current().rsaPublicKey(publicKey.export({ type: 'spki', format: 'der' }));
    known = { handle, bytes: (publicKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8 };
    rsaKeys.set(key, known);
  }
  return known;
}

export type RsaHash = 'sha1' | 'sha256' | 'sha384';
const RSA_HASH_CODE = { sha1: 1, sha256: 256, sha384: 384 } as const;

/**
 * RSASSA-PSS verification with MGF1 over the same hash and a salt as long as the digest (Widevine's signatures). The
 * addon keeps the key's OpenSSL contexts for its next call (see native/rsa-core.c); node:crypto otherwise.
 */
export function rsaPssVerify(key: KeyObject, hash: RsaHash, data: Buffer, signature: Buffer): boolean {
  return current().rsaPssVerify(rsaKey(key).handle, RSA_HASH_CODE[hash], data, signature);
}

/** RSAES-OAEP with SHA-1/MGF1-SHA-1 and an empty label under a public key (a Widevine session key for its device). */
export function rsaOaepSha1Encrypt(key: KeyObject, data: Buffer): Buffer {
  const { handle, bytes } = rsaKey(key);
  const out = Buffer.allocUnsafe(bytes);
  return out.subarray(0, current().rsaOaepEncrypt(out, handle, data));
}
