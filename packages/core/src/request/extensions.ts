import type { Extension } from './types';
import { base64Bytes, fail } from './values';
import type { ErrorCode } from '../errors';

/**
 * All extension payloads of one request together, decoded. Tokens are limited to 9216 bytes
 * (src/token/FORMAT.md); with this budget a request at every other limit still seals (~5.6 KB).
 */
export const MAX_EXTENSION_PAYLOAD_BYTES = 4096;
/** One payload's Base64 length at most: MAX_EXTENSION_PAYLOAD_BYTES, encoded. */
export const MAX_EXTENSION_PAYLOAD_CHARS = 4 * Math.ceil(MAX_EXTENSION_PAYLOAD_BYTES / 3);
/** How often `wvExtension`/`fpExtension` may be repeated in one request. */
export const MAX_EXTENSIONS = 32;

// "An arbitrary 4-letter word representing a 32-bit identifier, each letter's 8-bit ASCII code the byte".
const EXTENSION_TYPE = /^[\x20-\x7e]{4}$/;

export function parseExtensionType(value: string, name: string): string {
  if (!EXTENSION_TYPE.test(value)) fail(-2036, `${name} type must be 4 printable ASCII characters`);
  return value;
}

export function parseExtensionPayload(value: string, name: string): Buffer {
  return base64Bytes(value, MAX_EXTENSION_PAYLOAD_CHARS, `${name} payload`, -2037);
}

/**
 * The short form `TTTT,<base64>`. `invalid` (-7009 or -6001) is for a value that is not of that shape;
 * the type and payload then get the long form's codes: -2036, -2035 (nothing after the comma), -2037.
 */
export function parseShortExtension(value: string, name: string, invalid: ErrorCode): Extension {
  const maxLength = 5 + MAX_EXTENSION_PAYLOAD_CHARS;
  if (value.length > maxLength) fail(invalid, `${name} must be at most ${maxLength} characters`);
  const comma = value.indexOf(',');
  if (comma < 0) fail(invalid, `${name} must be <4-character type>,<Base64 payload>`);
  const type = parseExtensionType(value.slice(0, comma), name);
  const payload = value.slice(comma + 1);
  if (payload.length === 0) fail(-2035, `${name} has no payload after the comma`);
  return { type, payload: parseExtensionPayload(payload, name) };
}

/** The extensions' payloads within MAX_EXTENSION_PAYLOAD_BYTES in total, else `invalid` (-7009 or -6001). */
export function checkExtensionBudget(extensions: readonly Extension[], invalid: ErrorCode): void {
  const total = extensions.reduce((sum, extension) => sum + extension.payload.length, 0);
  if (total > MAX_EXTENSION_PAYLOAD_BYTES) {
    fail(invalid, `extension payloads exceed ${MAX_EXTENSION_PAYLOAD_BYTES} bytes in total`);
  }
}
