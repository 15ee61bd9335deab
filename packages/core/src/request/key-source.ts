import { unwrapContentKey } from '../keys/content-key';
import type { Drm, KeySource } from './types';
import { fail } from './values';

export interface KeyParams {
  readonly kid?: Buffer;
  readonly kek?: Buffer;
  readonly ek?: Buffer;
  readonly contentKey?: Buffer;
}

/**
 * Where the content key comes from, once each key parameter is well-formed on its own. Exactly one of
 * three ways, in this order of rules:
 * 1. `contentKey` with `kek` or `ek`: -2005. Which key would win is a guess; PlayReady refuses the same
 *    mix (-5007) and so do we, with the content-key code both DRMs list.
 * 2. `ek` without `kek`: -4024 (nothing to unwrap it with).
 * 3. FairPlay, `kek` with both `kid` and `ek`, or with neither: -4024 (the seed: "either one of the kid or
 *    the ek parameters needs to be supplied, but not both"). Widevine always has a kid, which with `ek`
 *    is the wrapped key's ID, so `kek`+`ek`+`kid` is the wrapped case there.
 * 4. `kek`+`ek`: unwrapped now (RFC 3394 with its integrity check; -4024 on failure).
 * 5. `kek`+`kid`: the app looks `kid` up in the account's key store and unwraps it with `unwrapStoredKey`.
 * 6. `contentKey`: in clear.
 * 7. none of these: -2005. A `kid` alone is not enough: the key store holds keys only wrapped under the
 *    customer's kek, which we never keep.
 */
export function resolveKeySource(drm: Drm, { kid, kek, ek, contentKey }: KeyParams): KeySource {
  if (contentKey && (kek || ek)) fail(-2005, 'give contentKey, or kek with ek or kid, not both');
  if (ek && !kek) fail(-4024, 'ek given without kek');
  if (kek && drm === 'fp') {
    if (kid && ek) fail(-4024, 'with kek give kid or ek, not both');
    if (!kid && !ek) fail(-4024, 'with kek give kid or ek');
  }
  if (kek && ek) {
    const unwrapped = unwrapContentKey(kek, ek, 'ek does not unwrap with kek (RFC 3394 integrity check)');
    return { kind: 'wrapped', contentKey: unwrapped };
  }
  if (kek && kid) return { kind: 'stored', kek, kid };
  if (contentKey) return { kind: 'clear', contentKey };
  return fail(-2005, 'contentKey is required unless kek with ek, or kek with kid, is given');
}
