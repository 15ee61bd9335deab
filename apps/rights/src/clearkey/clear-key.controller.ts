import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiRedemption } from '../docs/redemption-docs';
import { sendResult } from '../redemption/redemption-result';
import { bodyBytes, callerOf, tokenOf } from '../redemption/request-info';
import { ClearKeyRedemption } from './clear-key-redemption';

const KIDS = {
  type: 'array',
  minItems: 1,
  maxItems: 32,
  items: { type: 'string', description: '16-byte key ID, unpadded base64url (padded and standard base64 are taken)' },
} as const;

/** `POST /hms/ck/rights/?ExpressPlayToken=…`: the EME Clear Key license request in, a JSON Web Key Set out. */
@ApiTags('clearkey')
@Controller('hms/ck/rights')
export class ClearKeyController {
  constructor(@Inject(ClearKeyRedemption) private readonly clearKey: ClearKeyRedemption) {}

  @Post()
  @HttpCode(200)
  @ApiRedemption({
    summary: 'A Clear Key license (JSON Web Key Set) for the token',
    description:
      'The message of an `org.w3.clearkey` session in, with any media type or none (Chromium sends none): a license request ' +
      '`{"kids":[…],"type":"temporary"}` is answered with `{"keys":[{"kty":"oct","kid":…,"k":…}],"type":…}` holding the key of ' +
      'each requested kid the token carries and of no other (-8004 when it names none of them); a release `{"kids":[…]}` (no `type`) with the acknowledgement `{"kids":[…]}`. ' +
      'A message that is not one of these: -8003. A delivered license consumes one credit, in the same transaction as its redemption record.',
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['kids'],
            properties: { kids: KIDS, type: { type: 'string', enum: ['temporary', 'persistent-license'] } },
          },
          example: { kids: ['LwVHf8JLtPrv2GUXFW2v_A'], type: 'temporary' },
        },
      },
    },
    ok: {
      description: 'The JSON Web Key Set (unpadded base64url), or the acknowledgement of a release.',
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: {
              keys: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    kty: { type: 'string', enum: ['oct'] },
                    kid: { type: 'string' },
                    k: { type: 'string' },
                  },
                },
              },
              type: { type: 'string' },
              kids: { type: 'array', items: { type: 'string' } },
            },
          },
          example: {
            keys: [{ kty: 'oct', kid: 'LwVHf8JLtPrv2GUXFW2v_A', k: 'ABEiM0RVZneImaq7zN3u_w' }],
            type: 'temporary',
          },
        },
      },
    },
  })
  async license(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const result = await this.clearKey.redeem({
      token: tokenOf(request),
      caller: callerOf(request),
      body: bodyBytes(request.body),
    });
    return sendResult(request, reply, result) as string;
  }
}
