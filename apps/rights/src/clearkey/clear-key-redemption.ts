import { Inject, Injectable } from '@nestjs/common';
import { ExpressPlayError } from '@openplay/core';
import {
  buildClearKeyLicense,
  buildClearKeyReleaseAcknowledgement,
  ClearKeyRequestError,
  type ClearKeyMessage,
  parseClearKeyMessage,
} from '@openplay/drm';
import { type Caller, Redemptions } from '../redemption/redemption';
import type { RedemptionResult } from '../redemption/redemption-result';

export interface ClearKeyRedemptionRequest {
  /** From `?ExpressPlayToken=` or the header; null when the request has none. */
  readonly token: string | null;
  readonly caller: Caller;
  /** The CDM's message as sent: browsers post it with no media type, text/plain or application/json. */
  readonly body: Buffer;
}

// A JSON Web Key Set holds the content key: no cache may keep it.
const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' } as const;

/**
 * A Clear Key redemption, start to end: open the token and check the account (only then read the message, as the
 * other DRMs do: a bad token is told so whatever the body), answer a license request with the token's key for the
 * token's kid and nothing else (a credit, as a Widevine license), and a release with its acknowledgement (no credit).
 * Clear Key authenticates no device: the token is the only gate, so it is the whole grant.
 */
@Injectable()
export class ClearKeyRedemption {
  constructor(@Inject(Redemptions) private readonly redemptions: Redemptions) {}

  async redeem(request: ClearKeyRedemptionRequest): Promise<RedemptionResult> {
    const attempt = this.redemptions.begin('ck', request.caller);
    try {
      const claims = await this.redemptions.admit(attempt, request.token);
      const message = readMessage(request.body);
      if (message.kind === 'license-release') {
        await this.redemptions.deliver(attempt, {
          requestType: 'release',
          device: null,
          consumesCredit: false,
          request: request.body,
        });
        return { body: buildClearKeyReleaseAcknowledgement(message.kids), headers: JSON_HEADERS };
      }
      const license = buildClearKeyLicense(message.kids, [{ kid: claims.kid, key: claims.contentKey }], message.type);
      // An empty key set would be refused by the CDM with no reason given: say why instead, and charge nothing.
      if (license.granted.length === 0) {
        throw new ExpressPlayError(
          -8004,
          `the request names ${message.kids.length} key ID(s), none of them the token's kid`,
        );
      }
      await this.redemptions.deliver(attempt, {
        requestType: 'new',
        device: null,
        consumesCredit: true,
        request: retryIdentity(request),
      });
      return { body: license.body, headers: JSON_HEADERS };
    } catch (error) {
      await this.redemptions.refuse(attempt, error, { requestType: () => requestTypeOf(request.body) });
      throw error;
    }
  }
}

/**
 * What makes a Clear Key request the same request when retried. Unlike a Widevine challenge or a FairPlay SPC, the
 * body has no nonce: every player asking for the same kid sends the same bytes. Alone it would let any number of
 * players within the retry window pass as retries of the first use of a one-time token, so the caller's address and
 * user agent are part of it: a player's own retry repeats all three.
 */
function retryIdentity(request: ClearKeyRedemptionRequest): Buffer {
  const { clientAddress, userAgent } = request.caller;
  return Buffer.from(JSON.stringify([clientAddress, userAgent, request.body.toString('base64')]));
}

/** The message, or -8003 with the parser's reason (positions and limits only: nothing of the body is echoed). */
function readMessage(body: Buffer): ClearKeyMessage {
  try {
    return parseClearKeyMessage(body);
  } catch (error) {
    if (error instanceof ClearKeyRequestError) throw new ExpressPlayError(-8003, error.details);
    throw error;
  }
}

/** The audit rows' name of what a refused body asked for: 'new' (a license request) or 'release'; null if unreadable. */
function requestTypeOf(body: Buffer): string | null {
  try {
    return parseClearKeyMessage(body).kind === 'license-release' ? 'release' : 'new';
  } catch {
    return null;
  }
}
