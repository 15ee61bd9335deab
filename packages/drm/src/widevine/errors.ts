import { ExpressPlayError } from '@openplay/core';
import { encode } from './proto';
import type { WidevineDevice } from './types';

/** `LicenseError.error_code` values a CDM maps (CENC CDM: 1 → NEED_PROVISIONING, 2 → DEVICE_REVOKED, else KEY_ERROR). */
export const LicenseErrorCode = {
  INVALID_DRM_DEVICE_CERTIFICATE: 1,
  REVOKED_DRM_DEVICE_CERTIFICATE: 2,
  SERVICE_UNAVAILABLE: 3,
} as const;
export type LicenseErrorCode = (typeof LicenseErrorCode)[keyof typeof LicenseErrorCode];

/**
 * -4001: the device could not be authenticated. -7008: no license can be built (the reason is in `details`). -11002: an
 * offline license the token does not allow.
 */
export type WidevineRefusalCode = -4001 | -7008 | -11002;

/**
 * Why the licenser refused a challenge. It is an ExpressPlayError, so the HTTP layer can render the JSON error
 * (`toJSON()`, `status`) as for any other code. When the refusal is about the device and a CDM understands a
 * protocol-level answer, `errorResponse` holds a serialized `SignedMessage{type: ERROR_RESPONSE, msg: LicenseError}`
 * that a license proxy can send instead (HTTP 200, application/octet-stream) so that the CDM reports
 * NEED_PROVISIONING / DEVICE_REVOKED / KEY_ERROR rather than a network failure.
 */
export class WidevineRefusal extends ExpressPlayError {
  declare readonly code: WidevineRefusalCode;
  readonly licenseError: LicenseErrorCode | null;
  readonly errorResponse: Buffer | undefined;
  readonly device: Partial<WidevineDevice> | undefined;

  constructor(
    code: WidevineRefusalCode,
    details: string,
    options: { licenseError?: LicenseErrorCode; device?: Partial<WidevineDevice> } = {},
  ) {
    super(code, details);
    this.name = 'WidevineRefusal';
    this.licenseError = options.licenseError ?? null;
    this.errorResponse = options.licenseError === undefined ? undefined : errorResponse(options.licenseError);
    this.device = options.device;
  }
}

const SIGNED_MESSAGE_ERROR_RESPONSE = 3;

/** `SignedMessage{type: ERROR_RESPONSE(3), msg: LicenseError{error_code}}`; unsigned, as the protocol has it. */
export function errorResponse(code: LicenseErrorCode): Buffer {
  return encode('SignedMessage', {
    type: SIGNED_MESSAGE_ERROR_RESPONSE,
    msg: encode('LicenseError', { error_code: code }),
  });
}

/** Shorthand: a refusal that no license can be built. */
export function cannotBuild(details: string, device?: Partial<WidevineDevice>): WidevineRefusal {
  return new WidevineRefusal(-7008, details, { device });
}
