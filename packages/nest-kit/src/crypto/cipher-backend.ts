import {
  aes256GcmDecrypt,
  aes256GcmEncryptInto,
  selectCipherBackend,
  type CipherBackendChoice,
  type NativeSetting,
} from '@openplay/cipher';
import { nodeCryptoTokenAead, type TokenAead, useTokenAead } from '@openplay/core';
import type { Logger } from 'pino';

/** The addon's AES-256-GCM in the shape of core's token codec port. */
const nativeTokenAead: TokenAead = { encryptInto: aes256GcmEncryptInto, decrypt: aes256GcmDecrypt };

/**
 * Chooses where symmetric crypto runs, per OPENPLAY_NATIVE, and logs it once: the native addon of
 * `@openplay/cipher` (the DRM work, and the token codec through core's `useTokenAead`) or node:crypto. Throws when
 * the setting is `required` and the addon does not load. Each app calls it at start-up, before serving.
 */
export function installCipherBackend(setting: NativeSetting, logger: Logger): CipherBackendChoice {
  const choice = selectCipherBackend(setting);
  // The cipher package's own node:crypto fallback makes a key object per call; core's default caches one per key.
  useTokenAead(choice.backend === 'native' ? nativeTokenAead : nodeCryptoTokenAead);
  if (choice.fallbackReason !== undefined) {
    logger.warn(
      { cipherBackend: choice.backend, OPENPLAY_NATIVE: setting, reason: choice.fallbackReason },
      'native cipher addon not loaded: AES and HMAC run on node:crypto (slower); OPENPLAY_NATIVE=required makes this an error',
    );
  } else {
    logger.info({ cipherBackend: choice.backend, OPENPLAY_NATIVE: setting }, `AES and HMAC run on ${choice.backend}`);
  }
  return choice;
}
