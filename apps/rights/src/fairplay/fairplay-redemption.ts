import { Inject, Injectable } from '@nestjs/common';
import type { CkcFacts, FairPlayKsm } from '@openplay/drm';
import { FAIRPLAY_KSM } from '../drm/drm.module';
import { type Caller, Redemptions } from '../redemption/redemption';
import type { RedemptionResult } from '../redemption/redemption-result';
import { ckcResult, readSpcRequest } from './spc-request';

export interface FairPlayRedemptionRequest {
  /** From `?ExpressPlayToken=` or the header; null when the request has none. */
  readonly token: string | null;
  readonly caller: Caller;
  /** The request's media type and parsed body: the SPC raw, as an `spc=` form or as JSON. */
  readonly contentType: string | undefined;
  readonly body: unknown;
}

/**
 * A FairPlay redemption, start to end: open the token and check the account, read the SPC (only then: a bad token
 * is told so whatever the body), let the KSM build the CKC, then consume a credit with the audit row. Returns the
 * CKC in the SPC's wire form, or throws the refusal (an ExpressPlayError) after its audit row is written.
 */
@Injectable()
export class FairPlayRedemption {
  constructor(
    @Inject(Redemptions) private readonly redemptions: Redemptions,
    @Inject(FAIRPLAY_KSM) private readonly ksm: FairPlayKsm,
  ) {}

  async redeem(request: FairPlayRedemptionRequest): Promise<RedemptionResult> {
    const attempt = this.redemptions.begin('fp', request.caller);
    try {
      const claims = await this.redemptions.admit(attempt, request.token);
      const { wire, spc } = readSpcRequest(request.contentType, request.body);
      const { ckc, facts } = await this.ksm.createCkc(spc, {
        contentKey: claims.contentKey,
        iv: claims.iv,
        policy: claims.policy,
      });
      await this.redemptions.deliver(attempt, {
        requestType: 'ckc',
        device: deviceFacts(facts),
        consumesCredit: true,
        request: spc,
      });
      return ckcResult(wire, ckc);
    } catch (error) {
      await this.redemptions.refuse(attempt, error, { requestType: () => 'ckc' });
      throw error;
    }
  }
}

/** What the audit row keeps of the SPC: device, OS, streaming, HDCP and the key rules applied; never keys. */
function deviceFacts(facts: CkcFacts): Record<string, unknown> {
  return {
    deviceType: facts.deviceType,
    osVersion: facts.osVersion,
    streaming: facts.streaming,
    streamingTarget: facts.streamingTarget,
    hdcp: facts.hdcp,
    playbackState: facts.playbackState,
    keyRules: facts.keyRules,
    spcVersion: facts.spcVersion,
    assetId: facts.assetIdText ?? facts.assetId,
  };
}
