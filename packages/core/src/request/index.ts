export * from './types';
export { ENVELOPE_CHECKS, readEnvelope, readErrorFormat } from './parse-envelope';
export { parseTokenRequest } from './parse-token-request';
export {
  TOKEN_CHECKS,
  DEVICE_BINDING_PARAMS,
  CLEAR_KEY_REFUSED_PARAMS,
  OPL_PARAMS,
  MAX_COOKIE_CHARS,
  MAX_CONTENT_ID_CHARS,
  MAX_DEVICES,
  MIN_DEVICE_WINDOW,
  MAX_DEVICE_WINDOW,
  DEFAULT_DEVICE_WINDOW,
} from './token-checks';
export type { TokenFields } from './token-checks';
export { ALL_DRMS } from './check';
export type { Check, CheckContext, CrossCheck, ParamCheck } from './check';
export { MAX_EXTENSIONS, MAX_EXTENSION_PAYLOAD_BYTES, MAX_EXTENSION_PAYLOAD_CHARS } from './extensions';
export { MAX_KID_NAME_LENGTH, parseKid } from './parse-kid';
export { resolveKeySource } from './key-source';
export { parseKeyEntry, parseTrackHdcp, parseTrackMaxResolution, parseTrackSecurityLevel } from './multi-key';
export type { KeyEntry, KeyEntryForm, Resolution, TrackSetting } from './multi-key';
export type { KeyParams } from './key-source';
export { fitsSafeText, isUnsafeText, MAX_ACCOUNT_NUMBER, MAX_INTEGER } from './values';
export { envelopeParameterDocs, tokenParameterDocs } from './parameter-docs';
export type { ParameterDoc } from './parameter-docs';
