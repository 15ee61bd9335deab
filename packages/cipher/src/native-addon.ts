import path from 'node:path';

/** An RSA public key as the backend that made it holds it (the addon: its OpenSSL contexts; node:crypto: a KeyObject). */
export type RsaKeyHandle = { readonly __rsaKeyHandle: unique symbol };

/** The addon's functions (native/cipher.c, native/rsa-core.c); each writes into `out` and throws on misuse. */
export interface NativeCipher {
  aes(out: Buffer, mode: 0 | 1, encrypt: 0 | 1, key: Buffer, iv: Buffer, data: Buffer): void;
  cbcMac(out: Buffer, key: Buffer, data: Buffer): void;
  gcm(out: Buffer, encrypt: 0 | 1, key: Buffer, iv: Buffer, aad: Buffer, data: Buffer, tag: Buffer): boolean;
  hmac(out: Buffer, hash: 1 | 256 | 512, key: Buffer, data: Buffer): void;
  /** An RSA public key from SubjectPublicKeyInfo DER; a RangeError for anything else. */
  rsaPublicKey(der: Buffer): RsaKeyHandle;
  /** RSASSA-PSS, MGF1 over the same hash, a salt as long as the digest; false for any signature that does not verify. */
  rsaPssVerify(key: RsaKeyHandle, hash: 1 | 256 | 384, data: Buffer, signature: Buffer): boolean;
  /** RSAES-OAEP with SHA-1/MGF1-SHA-1 and an empty label into `out` (room for the modulus); the ciphertext's length. */
  rsaOaepEncrypt(out: Buffer, key: RsaKeyHandle, data: Buffer): number;
}

/**
 * `OPENPLAY_NATIVE`: `auto` (the default) uses the addon when it loads and node:crypto otherwise; `required` makes a
 * missing addon an error (at build and at start-up); `off` never builds or loads it.
 */
export type NativeSetting = 'auto' | 'required' | 'off';
export const NATIVE_SETTINGS: readonly NativeSetting[] = ['auto', 'required', 'off'];

/** Where the build puts the addon. */
export const ADDON_PATH = path.join(__dirname, '..', 'build', 'Release', 'openplay_cipher.node');

/** The setting an environment variable's value names (unset or blank: auto); throws for anything else. */
export function parseNativeSetting(value: string | undefined): NativeSetting {
  const setting = (value ?? '').trim() || 'auto';
  if (!(NATIVE_SETTINGS as readonly string[]).includes(setting)) {
    throw new RangeError(`OPENPLAY_NATIVE must be auto, required or off (got ${JSON.stringify(value)})`);
  }
  return setting as NativeSetting;
}

/** The addon at `addonPath`, or why it cannot be loaded (missing, built for another Node, ...). */
export function tryLoadNativeCipher(addonPath: string = ADDON_PATH): { cipher: NativeCipher } | { error: string } {
  try {
    // A compiled addon is loaded by path at run time; there is nothing to import statically.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return { cipher: require(addonPath) as NativeCipher };
  } catch (error) {
    return { error: `cannot load the native addon ${addonPath}: ${(error as Error).message.split('\n')[0]}` };
  }
}

/**
 * The compiled addon, or null when `setting` is off, or is auto and the addon does not load. With `required`, a
 * missing or broken addon is an error naming the fix.
 */
export function loadNativeCipher(setting: NativeSetting, addonPath: string = ADDON_PATH): NativeCipher | null {
  if (setting === 'off') return null;
  const loaded = tryLoadNativeCipher(addonPath);
  if ('cipher' in loaded) return loaded.cipher;
  if (setting === 'auto') return null;
  throw new Error(
    `@openplay/cipher: OPENPLAY_NATIVE=required but ${loaded.error}; build it (npm run build, which needs python3, make ` +
      'and a C compiler) or set OPENPLAY_NATIVE=auto to run on node:crypto',
  );
}
