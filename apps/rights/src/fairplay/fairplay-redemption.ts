import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  continuesFairPlayPlayback,
  describeAssetId,
  ExpressPlayError,
  keyForAssetId,
  type FairPlayTokenClaims,
} from '@openplay/core';
import type { CkcFacts, FairPlayAssetKey, FairPlayKsm } from '@openplay/drm';
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
      let chosen: string | undefined;
      const { ckc, facts } = await this.ksm.createCkc(spc, {
        contentKey: claims.contentKey,
        iv: claims.iv,
        policy: claims.policy,
        ...(claims.keys && {
          keyForAssetId: (assetId: Buffer): FairPlayAssetKey => {
            const key = assetKey(claims, assetId);
            chosen = key.kid.toString('hex');
            return key;
          },
        }),
      });
      await this.redemptions.deliver(attempt, {
        requestType: 'ckc',
        device: { ...deviceFacts(facts), ...(chosen !== undefined && { deliveredKid: chosen }) },
        consumesCredit: true,
        request: spc,
        // Tokens without stream or device limits (nearly all) hash nothing.
        ...(attempt.streams && {
          sessionId: fairPlayStreamId(facts, claims),
          lease: { ckc: facts, renewal: continuesFairPlayPlayback(facts.playbackState) },
        }),
        ...(attempt.devices && { deviceId: fairPlayDeviceId(facts) }),
      });
      return ckcResult(wire, ckc);
    } catch (error) {
      await this.redemptions.refuse(attempt, error, { requestType: () => 'ckc' });
      throw error;
    }
  }
}

/**
 * A multi-key token's key for the SPC's asset id (core's keyForAssetId: the kid's hex, `^<asset id>`, or the kid's
 * bytes); -10005 when it names none. Keys not asked for are never sent.
 */
function assetKey(claims: FairPlayTokenClaims, assetId: Buffer): FairPlayAssetKey & { kid: Buffer } {
  const key = keyForAssetId(claims.keys ?? [], assetId);
  if (!key?.iv) {
    throw new ExpressPlayError(-10005, `the SPC's asset id ${describeAssetId(assetId)} names no key of the token`);
  }
  return { kid: key.kid, contentKey: key.contentKey, iv: key.iv };
}

/**
 * A stable id of a FairPlay device for device limits: SHA-256 of the SPC's HU, FairPlay's anonymised per-app device
 * id, which only the device (or the AV adapter it streams to) can put in an SPC that authenticates: it travels in
 * [SK..R1], encrypted under the DASk, and a CKC made for another device's [SK..R1] is of no use without that device's
 * session key and R1. The same device sends the same HU for every SPC, token and session of the app's certificate.
 */
function fairPlayDeviceId(facts: CkcFacts): Buffer {
  return createHash('sha256').update(Buffer.from(facts.deviceId, 'hex')).digest();
}

/**
 * The identity of a FairPlay stream: the same device playing the same content. The content is a multi-key token's id
 * (its keys are one title's tracks, each asked for with its own SPC and asset id), else the SPC's asset id (so that a
 * player that takes a new token for the same asset continues its stream). SHA-256 of HU (20 bytes), a byte saying
 * which of the two the content is, and the content.
 */
function fairPlayStreamId(facts: CkcFacts, claims: FairPlayTokenClaims): Buffer {
  const content = claims.keys ? claims.tokenId : Buffer.from(facts.assetId, 'hex');
  const kind = Buffer.from(claims.keys ? 't' : 'a');
  return createHash('sha256').update(Buffer.from(facts.deviceId, 'hex')).update(kind).update(content).digest();
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
