export {
  KeyRing,
  createKeyRing,
  parseKeyRing,
  generateKeyRingEntry,
  MIN_KEY_ID,
  MAX_KEY_ID,
  TOKEN_KEY_BYTES,
  type KeyRingEntry,
} from './key-ring';
export {
  sealToken,
  sealedTokenLength,
  openToken,
  openGenuineToken,
  type OpenedToken,
  TOKEN_VERSION,
  TOKEN_NONCE_BYTES,
  TOKEN_TAG_BYTES,
  TOKEN_HEADER_BYTES,
  MAX_TOKEN_LENGTH,
  TOKEN_EXPIRED,
  TOKEN_UNKNOWN_KEY,
  TOKEN_FORGED,
} from './codec';
export { MAX_TIMESTAMP } from './claims-binary';
export { useTokenAead, tokenAead, nodeCryptoTokenAead, type TokenAead } from './aead';
export {
  outlivesToken,
  afterExpiryNote,
  assertIssuedWhileValid,
  LICENSE_CLOCK_SKEW_SECONDS,
  TOKEN_EXPIRED_NOT_ISSUER,
  RENEWED_AFTER_TOKEN_EXPIRY,
} from './renewal-after-expiry';
export {
  releaseDeadline,
  assertReleasable,
  RELEASE_MAX_AGE_SECONDS,
  RELEASE_GRACE_SECONDS,
  TOKEN_EXPIRED_RELEASE_TOO_LATE,
  RELEASED_AFTER_TOKEN_EXPIRY,
} from './release-after-expiry';
