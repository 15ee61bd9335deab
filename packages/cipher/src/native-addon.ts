import path from 'node:path';

/** The addon's functions (native/cipher.c); each writes into `out` and throws on misuse. */
export interface NativeCipher {
  aes(out: Buffer, mode: 0 | 1, encrypt: 0 | 1, key: Buffer, iv: Buffer, data: Buffer): void;
  cbcMac(out: Buffer, key: Buffer, data: Buffer): void;
  gcm(out: Buffer, encrypt: 0 | 1, key: Buffer, iv: Buffer, aad: Buffer, data: Buffer, tag: Buffer): boolean;
  hmac(out: Buffer, hash: 1 | 256 | 512, key: Buffer, data: Buffer): void;
}

export const ADDON_PATH = path.join(__dirname, '..', 'build', 'Release', 'openplay_cipher.node');

/**
 * The compiled addon, or null when OPENPLAY_NATIVE=off. Otherwise a missing or broken addon is an error at load
 * time, not a silent slowdown: the build compiles it (see scripts/build-native.mjs).
 */
export function loadNativeCipher(setting = process.env.OPENPLAY_NATIVE): NativeCipher | null {
  if (setting === 'off') return null;
  try {
    return require(ADDON_PATH) as NativeCipher;
  } catch (error) {
    throw new Error(
      `@openplay/cipher: cannot load the native addon ${ADDON_PATH} (${(error as Error).message}); ` +
        'build the workspace (npm run build) or set OPENPLAY_NATIVE=off to use node:crypto',
    );
  }
}
