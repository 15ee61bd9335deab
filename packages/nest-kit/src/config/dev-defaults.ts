import { parseKeyRing } from '@openplay/core';

/**
 * Development defaults shared by both apps, so that `npm start` works on a fresh clone and the two apps
 * agree. They are public: ENVIRONMENT=production refuses to start while any of them is in use.
 */
export const DEV_TOKEN_KEYS = '1:4f70656e506c6179446576656c6f706d656e74546f6b656e4b65792121212121';
export const DEV_AUTHENTICATOR_PEPPER = '6f70656e706c61792d6465762d70657070657221';

/** TOKEN_KEYS must parse as a key ring; the error names the setting and never the keys. */
export function assertTokenKeys(text: string): void {
  try {
    parseKeyRing(text);
  } catch (error) {
    throw new Error(`Invalid configuration: TOKEN_KEYS: ${(error as Error).message}`, { cause: error });
  }
}
