import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendResult } from '../redemption/redemption-result';
import { bodyBytes, callerOf, tokenOf, wantsJson } from '../redemption/request-info';
import { WidevineRedemption } from './widevine-redemption';

/** `POST /hms/wv/rights/?ExpressPlayToken=…`: the CDM's raw challenge in, a raw SignedMessage out. */
@Controller('hms/wv/rights')
export class WidevineController {
  constructor(@Inject(WidevineRedemption) private readonly widevine: WidevineRedemption) {}

  @Post()
  @HttpCode(200)
  async license(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer | string> {
    const result = await this.widevine.redeem({
      token: tokenOf(request),
      caller: callerOf(request),
      challenge: bodyBytes(request.body),
      cdmRefusals: !wantsJson(request),
    });
    return sendResult(request, reply, result);
  }
}
