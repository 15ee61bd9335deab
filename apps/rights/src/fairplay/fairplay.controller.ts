import { Controller, Get, HttpCode, Inject, NotFoundException, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FAIRPLAY_CERTIFICATES } from '../drm/drm.module';
import { sendResult } from '../redemption/redemption-result';
import { callerOf, tokenOf } from '../redemption/request-info';
import { FairPlayRedemption } from './fairplay-redemption';

@Controller('hms/fp')
export class FairPlayController {
  constructor(
    @Inject(FairPlayRedemption) private readonly fairplay: FairPlayRedemption,
    @Inject(FAIRPLAY_CERTIFICATES) private readonly certificates: readonly Buffer[],
  ) {}

  /** `POST /hms/fp/rights/?ExpressPlayToken=…`: an SPC in, its CKC out, in the wire form the SPC came in. */
  @Post('rights')
  @HttpCode(200)
  async ckc(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer | string> {
    const result = await this.fairplay.redeem({
      token: tokenOf(request),
      caller: callerOf(request),
      contentType: request.headers['content-type'],
      body: request.body,
    });
    return sendResult(request, reply, result);
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
