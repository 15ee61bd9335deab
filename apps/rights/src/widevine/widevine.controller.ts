import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiRedemption } from '../docs/redemption-docs';
import { sendResult } from '../redemption/redemption-result';
import { bodyBytes, callerOf, tokenOf, wantsJson } from '../redemption/request-info';
import { WidevineRedemption } from './widevine-redemption';

/** `POST /hms/wv/rights/?ExpressPlayToken=…`: the CDM's raw challenge in, a raw SignedMessage out. */
@ApiTags('widevine')
@Controller('hms/wv/rights')
export class WidevineController {
  constructor(@Inject(WidevineRedemption) private readonly widevine: WidevineRedemption) {}

  @Post()
  @HttpCode(200)
  @ApiRedemption({
    summary: 'A Widevine license for the token',
    description:
      "The CDM's license challenge (a SignedMessage) in, the license (a SignedMessage) out. Renewal and release requests are answered too; " +
      "a renewal also after the token has expired, under the license's own policy (its playback duration). " +
      'A delivered license consumes one credit, in the same transaction as its redemption record. A refusal the CDM can read comes back ' +
      'as a 200 SignedMessage ERROR_RESPONSE with the spec code in `X-ExpressPlay-Error-Code` / `-Message`; send `Accept: application/json` for JSON errors instead.',
    requestBody: {
      required: true,
      content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
    },
    ok: {
      description: 'The license.',
      content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
    },
  })
  async license(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | string> {
    const result = await this.widevine.redeem({
      token: tokenOf(request),
      caller: callerOf(request),
      challenge: bodyBytes(request.body),
      cdmRefusals: !wantsJson(request),
    });
    return sendResult(request, reply, result);
  }
}
