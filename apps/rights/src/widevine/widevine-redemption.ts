import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { WidevineTokenClaims } from '@openplay/core';
import {
  classifyWidevineRequest,
  isCountedStreamSession,
  type WidevineDevice,
  type WidevineGrant,
  type WidevineLicenser,
  type WidevineOutcome,
  type WidevineRequestKind,
  WidevineRefusal,
} from '@openplay/drm';
import { WIDEVINE_LICENSER } from '../drm/drm.module';
import { type Caller, Redemptions } from '../redemption/redemption';
import type { RedemptionResult } from '../redemption/redemption-result';

export interface WidevineRedemptionRequest {
  /** From `?ExpressPlayToken=` or the header; null when the request has none. */
  readonly token: string | null;
  readonly caller: Caller;
  /** The CDM's raw challenge. */
  readonly challenge: Buffer;
  /** A device refusal may go to the CDM as an ERROR_RESPONSE; false when the client asked for JSON errors. */
  readonly cdmRefusals: boolean;
}

const LICENSE_HEADERS = { 'content-type': 'application/octet-stream' } as const;

/**
 * A Widevine redemption, start to end: open the token and check the account, let the licenser answer the
 * challenge, then record it (a license consumes a credit; renewals, releases and `08 04` do not). Returns the
 * answer, or throws the refusal (an ExpressPlayError) after its audit row is written.
 */
@Injectable()
export class WidevineRedemption {
  constructor(
    @Inject(Redemptions) private readonly redemptions: Redemptions,
    @Inject(WIDEVINE_LICENSER) private readonly licenser: WidevineLicenser,
  ) {}

  async redeem(request: WidevineRedemptionRequest): Promise<RedemptionResult> {
    const attempt = this.redemptions.begin('wv', request.caller);
    try {
      // The challenge is classified only when the token has expired: a renewal or release may outlive it.
      const claims = await this.redemptions.admit(attempt, request.token, () =>
        auditRequestType(classifyWidevineRequest(request.challenge)),
      );
      const outcome = await this.licenser.handle(
        request.challenge,
        grantOf(claims, attempt.tokenExpired, attempt.streams !== null),
      );
      await this.redemptions.deliver(attempt, {
        requestType: auditRequestType(outcome.kind),
        device: outcome.device
          ? deviceFacts(outcome.device, outcome)
          : outcome.usageReport
            ? { usageReport: outcome.usageReport }
            : null,
        consumesCredit: outcome.kind === 'license',
        request: request.challenge,
        sessionId: outcome.sessionId,
        countedStream: outcome.sessionId !== undefined && isCountedStreamSession(outcome.sessionId),
        // Hashed only for a token with a device limit: the only reader of the id.
        deviceId: outcome.device && attempt.devices ? widevineDeviceId(outcome.device) : undefined,
      });
      return { body: outcome.body, headers: LICENSE_HEADERS };
    } catch (error) {
      const refusal = error instanceof WidevineRefusal ? error : undefined;
      await this.redemptions.refuse(attempt, error, {
        // A refusal's row still says what was asked (a forged renewal, a new license for an untrusted device).
        requestType: () => auditRequestType(classifyWidevineRequest(request.challenge)),
        device: refusal?.device ? deviceFacts(refusal.device) : undefined,
      });
      if (refusal?.errorResponse && request.cdmRefusals) return errorResponseResult(refusal, refusal.errorResponse);
      throw error;
    }
  }
}

/**
 * What the licenser may deliver: the token's key under its kid, with its policy; a multi-key token's keys, each with its
 * track and levels (the license carries every key the device may have, whatever key ids the PSSH names).
 */
function grantOf(claims: WidevineTokenClaims, tokenExpired: boolean, countedStream: boolean): WidevineGrant {
  const keys = claims.keys?.map(
    ({ kid, contentKey, track, securityLevel, hdcpOutputControl, maxResolutionPixels }) => ({
      kid,
      contentKey,
      track,
      // The codec guarantees both levels on a Widevine token's keys.
      securityLevel: securityLevel ?? claims.policy.securityLevel,
      hdcpOutputControl: hdcpOutputControl ?? claims.policy.hdcpOutputControl,
      maxResolutionPixels: maxResolutionPixels ?? null,
    }),
  );
  // One object of one shape (keys undefined for a single key), not a spread into a copy: built once per license.
  return {
    keys,
    // Widevine tokens always carry a kid (token-gen requires it).
    kid: claims.kid ?? Buffer.alloc(16),
    contentKey: claims.contentKey,
    policy: claims.policy,
    tokenId: claims.tokenId,
    issuedAt: claims.issuedAt,
    expiresAt: claims.expiresAt,
    tokenExpired,
    countedStream,
  };
}

/** The audit rows' name of a request: a license request is 'new', as ExpressPlay's records have it. */
function auditRequestType(kind: WidevineRequestKind): string;
function auditRequestType(kind: WidevineRequestKind | null): string | null;
function auditRequestType(kind: WidevineRequestKind | null): string | null {
  return kind === 'license' ? 'new' : kind;
}

/**
 * A stable id of a Widevine device for device limits: SHA-256 of its certificate's system id (4 bytes, big-endian) and
 * serial number, both authenticated by the certificate chain. The same device keeps it across sessions and tokens.
 */
function widevineDeviceId(device: WidevineDevice): Buffer {
  const systemId = Buffer.alloc(4);
  systemId.writeUInt32BE(device.systemId >>> 0);
  return createHash('sha256').update(systemId).update(Buffer.from(device.serialNumber, 'hex')).digest();
}

/**
 * What the audit row keeps of the device: identity and level, never keys. A multi-key license's row also says which
 * kids it carries and which it left out, and why (kids only, never keys).
 */
function deviceFacts(device: Partial<WidevineDevice>, outcome?: WidevineOutcome): Record<string, unknown> {
  const facts: Record<string, unknown> = {
    systemId: device.systemId,
    securityLevel: device.level,
    known: device.known,
    privacyMode: device.privacyMode,
    serialNumber: device.serialNumber,
    company: device.clientInfo?.company_name,
    model: device.clientInfo?.model_name,
  };
  if (outcome?.delivered) {
    facts.deliveredKids = outcome.delivered;
    facts.withheldKeys = outcome.withheld ?? [];
  }
  return facts;
}

/**
 * A device refusal the CDM understands goes to it as a SignedMessage ERROR_RESPONSE (players hand 200 bodies to the
 * CDM, which then reports NEED_PROVISIONING / DEVICE_REVOKED / KEY_ERROR), with the spec code in headers.
 */
function errorResponseResult(refusal: WidevineRefusal, body: Buffer): RedemptionResult {
  return {
    body,
    headers: {
      'content-type': 'application/octet-stream',
      'x-expressplay-error-code': String(refusal.code),
      'x-expressplay-error-message': refusal.message.replace(/[^\x20-\x7e]/g, '?'),
    },
    resultCode: refusal.code,
  };
}
