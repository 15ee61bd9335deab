/**
 * W3C Clear Key (EME §9.1): the JSON license request a browser's Clear Key CDM sends, and the JSON Web Key Set
 * that answers it. No device authentication exists in Clear Key; the token in the license URL is the only gate.
 */
export { ClearKeyRequestError, type ClearKeyRefusalReason } from './errors';
export { KID_BYTES as CLEAR_KEY_KID_BYTES, decodeKid as decodeClearKeyKid, encodeBase64Url } from './base64';
export {
  MAX_CLEAR_KEY_KIDS,
  MAX_CLEAR_KEY_MESSAGE_BYTES,
  parseClearKeyMessage,
  parseClearKeyLicenseRequest,
  interpretClearKeyMessage,
  type ClearKeyMessage,
  type ClearKeyLicenseRequest,
  type ClearKeyRelease,
  type ClearKeySessionType,
} from './message';
export {
  buildClearKeyLicense,
  buildClearKeyReleaseAcknowledgement,
  type ClearKeyLicense,
  type ClearKeyContentKey,
  type ClearKeyAvailableKeys,
} from './license';
