import { setResultCode } from '@openplay/nest-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * A redemption's 200 answer, ready to send: its body and headers. Refusals are thrown (ExpressPlayError, rendered
 * by the exception filter) except where the DRM answers one in its own protocol (a Widevine ERROR_RESPONSE).
 */
export interface RedemptionResult {
  readonly body: Buffer | string;
  readonly headers: Readonly<Record<string, string>>;
  /** The API code of a refusal answered with a 200, for the metrics and the access log. */
  readonly resultCode?: number;
}

/** Writes a result's headers and hands its body back to Nest (the route answers 200). */
export function sendResult(request: FastifyRequest, reply: FastifyReply, result: RedemptionResult): Buffer | string {
  if (result.resultCode !== undefined) setResultCode(request, result.resultCode);
  for (const name in result.headers) void reply.header(name, result.headers[name]);
  return result.body;
}
