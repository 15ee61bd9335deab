import { ExpressPlayError } from '../errors';
import { aesKeyUnwrap } from './key-wrap';

/** Content keys are AES-128 keys in both DRMs. */
export const CONTENT_KEY_BYTES = 16;
/** RFC 3394 adds one 8-byte block to the key it wraps. */
export const WRAPPED_CONTENT_KEY_BYTES = CONTENT_KEY_BYTES + 8;

/** Unwraps a 16-byte content key; -4024 with `details` when it does not unwrap to one. */
export function unwrapContentKey(kek: Buffer, ek: Buffer, details: string): Buffer {
  if (ek.length !== WRAPPED_CONTENT_KEY_BYTES) throw new ExpressPlayError(-4024, details);
  try {
    return aesKeyUnwrap(kek, ek);
  } catch (error) {
    if (error instanceof ExpressPlayError) throw new ExpressPlayError(-4024, details);
    throw error;
  }
}

/**
 * The content key of a `kek`+`kid` request, from the `ek` the account's key store holds for `kid`.
 * A kek that does not unwrap it is the caller's wrong kek: -4024, as at ExpressPlay's key storage.
 */
export function unwrapStoredKey(kek: Buffer, ek: Buffer): Buffer {
  if (kek.length !== CONTENT_KEY_BYTES) throw new ExpressPlayError(-4024, 'kek must be 16 bytes');
  return unwrapContentKey(kek, ek, 'the kek does not unwrap the stored key');
}
