import { Controller, Get, HttpCode, Inject, NotFoundException, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiRedemption, ApiRightsErrors } from '../docs/redemption-docs';
import { FAIRPLAY_CERTIFICATES } from '../drm/drm.module';
import { sendResult } from '../redemption/redemption-result';
import { callerOf, tokenOf } from '../redemption/request-info';
import { FairPlayRedemption } from './fairplay-redemption';

@ApiTags('fairplay')
@Controller('hms/fp')
export class FairPlayController {
  constructor(
    @Inject(FairPlayRedemption) private readonly fairplay: FairPlayRedemption,
    @Inject(FAIRPLAY_CERTIFICATES) private readonly certificates: readonly Buffer[],
  ) {}

  /** `POST /hms/fp/rights/?ExpressPlayToken=…`: an SPC in, its CKC out, in the wire form the SPC came in. */
  @Post('rights')
  @HttpCode(200)
  @ApiRedemption({
    summary: 'A FairPlay CKC for the token',
    description:
      'The SPC in, the CKC out, in the wire form the SPC came in: raw bytes → raw CKC; form `spc=<base64>` → `<ckc>base64</ckc>`; JSON `{"spc": base64}` → `{"ckc": base64}`. ' +
      'A delivered CKC consumes one credit, in the same transaction as its redemption record.',
    requestBody: {
      required: true,
      content: {
        'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
        'application/x-www-form-urlencoded': {
          schema: { type: 'object', required: ['spc'], properties: { spc: { type: 'string', format: 'byte' } } },
        },
        'application/json': {
          schema: { type: 'object', required: ['spc'], properties: { spc: { type: 'string', format: 'byte' } } },
        },
      },
    },
    ok: {
      description: 'The CKC.',
      content: {
        'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
        'text/plain': { schema: { type: 'string', example: '<ckc>AAAA…</ckc>' } },
        'application/json': { schema: { type: 'object', properties: { ckc: { type: 'string', format: 'byte' } } } },
      },
    },
  })
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
  @ApiOperation({ summary: 'The FairPlay application certificate (DER), for players that fetch it' })
  @ApiResponse({
    status: 200,
    description: 'The certificate.',
    content: { 'application/pkix-cert': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiRightsErrors({ 404: 'No FairPlay credentials are configured.' })
  certificate(@Res({ passthrough: true }) reply: FastifyReply): Buffer {
    const certificate = this.certificates[0];
    if (!certificate) throw new NotFoundException();
    void reply.header('content-type', 'application/pkix-cert');
    return certificate;
  }
}
