import type { Extension } from './types';
import { base64Bytes, fail } from './values';
import type { ErrorCode } from '../errors';

/** Bounds a payload to 6 KiB: enough for any policy blob, small enough to keep tokens compact. */
export const MAX_EXTENSION_PAYLOAD_CHARS = 8192;
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
