/**
 * Apple's SPC vectors that carry a media playback state, for the FairPlay stream-limit e2e tests, and lease renewals
 * of them. They come from three devices (three HUs): FPS-Lease/spc1 and spc2 (one device, asset "one", 38 s apart),
 * FPS-Lease/spc4 (a second device) and DualExpiry/dual_expiry_spc (a third). A lease renewal is an SPC whose
 * playback state says "playing": Apple's vectors have none, so it is encoded for the device that renews (its HU)
 * under the same development credentials.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FairPlayConstants } from '@openplay/drm';
import { encodeSpc, FAIRPLAY_FIXTURES_DIR } from '@openplay/drm/testing';
import { clientSecretsOf, DEV_CERTIFICATE, DEV_DASK } from './fairplay-client';

const apple = (name: string) => readFileSync(join(FAIRPLAY_FIXTURES_DIR, name));

export const APPLE_STREAM_SPCS = {
  one: apple('FPS-Lease/spc1.bin'),
  oneAgain: apple('FPS-Lease/spc2.bin'),
  second: apple('FPS-Lease/spc4.bin'),
  third: apple('DualExpiry/dual_expiry_spc.bin'),
};

const PLAYING = Number(Object.entries(FairPlayConstants.PLAYBACK_STATE).find(([, state]) => state === 'playing')![0]);

/** The lease renewal of the playback `spc` started: same device (HU) and asset, playback state "playing". */
export function leaseRenewalOf(spc: Buffer): Buffer {
  const { hu, assetId } = clientSecretsOf(spc);
  return encodeSpc({
    certificate: DEV_CERTIFICATE,
    dask: DEV_DASK,
    hu,
    assetId,
    protocolVersionsSupported: [1, 2],
    playbackState: { creationDate: Math.floor(Date.now() / 1000), state: PLAYING, sessionId: 42n },
  });
}
