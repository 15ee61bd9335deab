import { ExpressPlayError } from '@openplay/core';

/**
 * The two outcomes a FairPlay request can fail with (README "FairPlay", error mapping):
 * -6004 when the SPC is malformed or no CKC can be built for it, -4001 when the SPC cannot be
 * authenticated as coming from a genuine FairPlay client for one of our credential sets.
 * Details describe the problem; they never carry key material.
 */
export function malformed(reason: string): ExpressPlayError {
  return new ExpressPlayError(-6004, reason);
}

export function unauthenticated(reason: string): ExpressPlayError {
  return new ExpressPlayError(-4001, reason);
}
