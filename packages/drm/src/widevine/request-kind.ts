import { decode } from './proto';
import type { WidevineOutcomeKind } from './types';

/** What a challenge asks for: the same names as the licenser's outcomes. */
export type WidevineRequestKind = WidevineOutcomeKind;

/** `SignedMessage.type` values of the requests a CDM sends, and of the answers to them. */
export const MessageType = {
  LICENSE_REQUEST: 1,
  LICENSE: 2,
  SERVICE_CERTIFICATE_REQUEST: 4,
  SERVICE_CERTIFICATE: 5,
} as const;
/** `LicenseRequest.type`; absent means NEW. */
export const RequestType = { NEW: 1, RENEWAL: 2, RELEASE: 3 } as const;

/**
 * What a challenge asks for, read without trusting it (nothing is verified): null when the bytes do not say.
 * For refusals, whose audit row should still tell what was refused (a forged renewal, a license for an untrusted
 * device, any challenge sent with a bad token), so that the app never reads protobuf itself. Never throws.
 */
export function classifyWidevineRequest(challenge: Uint8Array): WidevineRequestKind | null {
  try {
    const signed = decode('SignedMessage', challenge);
    if (signed.type === MessageType.SERVICE_CERTIFICATE_REQUEST) return 'service-certificate';
    if (signed.type !== MessageType.LICENSE_REQUEST || signed.msg === undefined) return null;
    switch (decode('LicenseRequest', signed.msg).type ?? RequestType.NEW) {
      case RequestType.NEW:
        return 'license';
      case RequestType.RENEWAL:
        return 'renewal';
      case RequestType.RELEASE:
        return 'release';
      default:
        return null;
    }
  } catch {
    return null;
  }
}
