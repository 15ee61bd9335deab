import type { FairPlayPolicy } from '@openplay/core';

/**
 * How long the client may use the content key, in FairPlay's terms (as Apple's FPS Server SDK defines them).
 * - `unlimited`: no duration TLLV (streaming without limits).
 * - `lease`: key duration TLLV, type lease (1a4bde7e): usable `leaseSeconds` from the SPC's creation.
 * - `rental`: key duration TLLV, type rental (3dfe45a0): usable `rentalSeconds`.
 * - `lease-and-rental`: type 27b59bde with both durations.
 * - `persistence` (offline HLS): the offline key TLLV (storage + playback duration, "0 = not enforced")
 *   to clients that declare offline-key support, else the key duration TLLV of type persistence
 *   (3df2d9fb) or, with a storage duration, persistence limited to that duration (18f06048).
 */
export type FairPlayKeyRules =
  | { readonly type: 'unlimited' }
  | { readonly type: 'lease'; readonly leaseSeconds: number }
  | { readonly type: 'rental'; readonly rentalSeconds: number }
  | { readonly type: 'lease-and-rental'; readonly leaseSeconds: number; readonly rentalSeconds: number }
  | {
      readonly type: 'persistence';
      /** Storage (rental) duration from download; 0 or absent = not enforced. */
      readonly storageSeconds?: number;
      /** Playback duration from first playback (offline key TLLV only); 0 or absent = not enforced. */
      readonly playbackSeconds?: number;
      /** 16-byte content (stream) ID of the offline key TLLV; default: first 16 bytes of SHA-256(asset ID). */
      readonly contentId?: Buffer;
      /** 16-byte title ID: sends offline key TLLV v2, which needs the client's offline-key-v2 capability. */
      readonly titleId?: Buffer;
    };

/**
 * The rules a token's FairPlay policy stands for:
 * a persistent token (`persistent=true`, `policy.offline`) → persistence, `rentalDuration` being the storage
 * duration and `playbackDuration` the playback duration (docs/decisions/0022-offline-licenses.md);
 * else `rentalDuration > 0` → rental of that many seconds, whatever `rightsType` says (a duration is never
 * dropped); `rentalDuration` 0 → unlimited, for `BuyToOwn`, `Rental` and no rights type alike (0 means
 * "no rental limit" in the token API). The token API has no lease parameter; lease rules are reachable through
 * `FairPlayGrant.keyRules`.
 */
export function keyRulesFromPolicy(policy: FairPlayPolicy): FairPlayKeyRules {
  if (policy.offline) {
    return {
      type: 'persistence',
      storageSeconds: policy.rentalDuration,
      playbackSeconds: policy.offline.playbackDuration,
    };
  }
  return policy.rentalDuration > 0 ? { type: 'rental', rentalSeconds: policy.rentalDuration } : { type: 'unlimited' };
}
