/** The key store API's URLs: `/keystore/keys…` and `/keystore/keycount`. Its errors are always JSON. */
export const KEYSTORE_PATH = /^\/keystore(\/|\?|$)/;

export function isKeystorePath(url: string): boolean {
  return KEYSTORE_PATH.test(url);
}
