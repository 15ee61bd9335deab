/**
 * FairPlay streams for concurrent-stream limits (docs/decisions/0018-concurrent-streams.md, "FairPlay"). A FairPlay
 * stream has no heartbeat and no release: the server learns of it only through CKCs, so the CKC's own key duration
 * says how long the stream lives, and the SPC's playback state says whether it asks to continue a playback.
 */

/** What a CKC states of its content key's life (the KSM's facts of it; no key material). */
export interface CkcKeyDuration {
  /** The key-duration TLLV's key type (`lease`, `rental`, `leaseAndRental`, `persistence`…); absent: none sent. */
  readonly keyType?: string;
  readonly leaseSeconds?: number;
  readonly rentalSeconds?: number;
}

/**
 * Seconds a FairPlay stream lives from its CKC: the lease the CKC states (the client must send a new SPC before it
 * ends to go on playing), else its rental (the key stops working at its end), then `graceSeconds` more, for a lease
 * renewal that comes late. A CKC without either (no duration TLLV, an SPC without playback state, a persistable key)
 * tells nothing of how long playback goes on: the stream then lives `graceSeconds`, as a Widevine stream without
 * renewals does.
 */
export function fairPlayStreamSeconds(ckc: CkcKeyDuration, graceSeconds: number): number {
  const lease = ckc.keyType === 'lease' || ckc.keyType === 'leaseAndRental' ? (ckc.leaseSeconds ?? 0) : 0;
  const rental = ckc.keyType === 'rental' || ckc.keyType === 'leaseAndRental' ? (ckc.rentalSeconds ?? 0) : 0;
  return (lease > 0 ? lease : rental) + graceSeconds;
}

/**
 * Whether an SPC continues a playback (a lease renewal) rather than starts one: its media playback state says
 * playing (the key is needed to go on) or playing without needing the key. Such an SPC may extend a live stream but
 * never opens a new one. An SPC without playback state (older clients) or ready to start playback starts one.
 */
export function continuesFairPlayPlayback(playbackState: string | undefined): boolean {
  return playbackState === 'playing' || playbackState === 'playing-key-not-required';
}
