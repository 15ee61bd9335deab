import { Controller, Get, HttpCode, Inject, NotFoundException, Post, Req, Res } from '@nestjs/common';
import { ExpressPlayError, type FairPlayPolicy } from '@openplay/core';
import type { CkcFacts, FairPlayKsm } from '@openplay/drm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FAIRPLAY_CERTIFICATES, FAIRPLAY_KSM } from '../drm/drm.module';
import { Redemptions } from '../redemption/redemption';
import { callerOf, tokenOf } from '../redemption/request-info';
import { ckcResponse, readSpcRequest } from './spc-request';

@Controller('hms/fp')
export class FairPlayController {
  constructor(
    @Inject(Redemptions) private readonly redemptions: Redemptions,
    @Inject(FAIRPLAY_KSM) private readonly ksm: FairPlayKsm,
    @Inject(FAIRPLAY_CERTIFICATES) private readonly certificates: readonly Buffer[],
  ) {}

  /** `POST /hms/fp/rights/?ExpressPlayToken=…`: an SPC in, its CKC out, in the wire form the SPC came in. */
  @Post('rights')
  @HttpCode(200)
  async ckc(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer | string> {
    const response = await this.redemptions.redeem('fp', tokenOf(request), callerOf(request), () => 'ckc', async (claims) => {
      const { wire, spc } = readSpcRequest(request);
      // token-gen requires an iv for FairPlay; a token without one is refused rather than served with a made-up IV.
      if (!claims.iv) throw new ExpressPlayError(-6004, 'the token carries no content IV');
      const { ckc, facts } = await this.ksm.createCkc(spc, {
        contentKey: claims.contentKey,
        iv: claims.iv,
        policy: claims.policy as FairPlayPolicy,
      });
      return { result: ckcResponse(wire, ckc), requestType: 'ckc', consumesCredit: true, device: deviceFacts(facts) };
    });
    void reply.header('content-type', response.contentType);
    return response.body;
  }

  /** The application certificate (DER) for players that fetch it rather than ship it. */
  @Get('cert')
  certificate(@Res({ passthrough: true }) reply: FastifyReply): Buffer {
    const certificate = this.certificates[0];
    if (!certificate) throw new NotFoundException();
    void reply.header('content-type', 'application/pkix-cert');
    return certificate;
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
