import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { TokenClaims, WidevinePolicy } from '@openplay/core';
import { type WidevineDevice, type WidevineLicenser, type WidevineOutcome, WidevineRefusal } from '@openplay/drm';
import { setResultCode } from '@openplay/nest-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WIDEVINE_LICENSER } from '../drm/drm.module';
import { Redemptions } from '../redemption/redemption';
import { bodyBytes, callerOf, tokenOf, wantsJson } from '../redemption/request-info';
import { challengeKind } from './challenge-kind';

/** `POST /hms/wv/rights/?ExpressPlayToken=…`: the CDM's raw challenge in, a raw SignedMessage out. */
@Controller('hms/wv/rights')
export class WidevineController {
  constructor(
    @Inject(Redemptions) private readonly redemptions: Redemptions,
    @Inject(WIDEVINE_LICENSER) private readonly licenser: WidevineLicenser,
  ) {}

  @Post()
  @HttpCode(200)
  async license(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    const challenge = bodyBytes(request.body);
    try {
      const kind = () => challengeKind(challenge);
      const outcome = await this.redemptions.redeem('wv', tokenOf(request), callerOf(request), kind, async (claims, note) => {
        try {
          const done = await this.licenser.handle(challenge, grantOf(claims));
          return {
            result: done,
            requestType: requestTypeOf(done),
            consumesCredit: done.kind === 'license',
            device: done.device ? deviceFacts(done.device) : null,
          };
        } catch (error) {
          // Once the device is known, the refusal's audit row says which device (the request type comes from `kind`).
          if (error instanceof WidevineRefusal && error.device) note({ requestType: 'new', device: deviceFacts(error.device) });
          throw error;
        }
      });
      void reply.header('content-type', 'application/octet-stream');
      return outcome.body;
    } catch (error) {
      // A device refusal the CDM understands goes to it as a SignedMessage ERROR_RESPONSE (players hand 200
      // bodies to the CDM), with the spec code in headers; JSON clients get the JSON error instead.
      if (error instanceof WidevineRefusal && error.errorResponse && !wantsJson(request)) {
        setResultCode(request, error.code);
        void reply
          .header('content-type', 'application/octet-stream')
          .header('x-expressplay-error-code', String(error.code))
          .header('x-expressplay-error-message', error.message.replace(/[^\x20-\x7e]/g, '?'));
        return error.errorResponse;
      }
      throw error;
    }
  }
}

function grantOf(claims: TokenClaims) {
  return {
    // Widevine tokens always carry a kid (token-gen requires it).
    kid: claims.kid ?? Buffer.alloc(16),
    contentKey: claims.contentKey,
    policy: claims.policy as WidevinePolicy,
    tokenId: claims.tokenId,
    expiresAt: claims.expiresAt,
  };
}

function requestTypeOf(outcome: WidevineOutcome): string {
  return outcome.kind === 'license' ? 'new' : outcome.kind;
}

/** What the audit row keeps of the device: identity and level, never keys. */
function deviceFacts(device: Partial<WidevineDevice>): Record<string, unknown> {
  return {
    systemId: device.systemId,
    securityLevel: device.level,
    known: device.known,
    privacyMode: device.privacyMode,
    serialNumber: device.serialNumber,
    company: device.clientInfo?.company_name,
    model: device.clientInfo?.model_name,
  };
}
