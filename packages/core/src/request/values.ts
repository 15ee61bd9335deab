import { type ErrorCode, ExpressPlayError } from '../errors';

/** The value rules that several parameters share. Only hexBytes scans an unbounded value, once and linearly. */

const HEX = /^[0-9a-fA-F]*$/;
const DECIMAL = /^[0-9]{1,10}$/;
// C0 controls, DEL, C1 controls, and UTF-16 halves without their partner (they would not survive UTF-8).
const UNSAFE_TEXT =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Whether `value` holds a control character or half of a UTF-16 pair: text no rule accepts, and that PostgreSQL
 * (NUL) or UTF-8 (lone halves) cannot store as given.
 */
export function isUnsafeText(value: string): boolean {
  return UNSAFE_TEXT.test(value);
}

/** Largest integer any parameter accepts: seconds fit a signed 32-bit field (68 years). */
export const MAX_INTEGER = 2_147_483_647;

/**
 * Largest account number: accounts are numbered by a PostgreSQL integer. The authenticator's syntax allows 15
 * digits; a larger number names no account, so it is refused as one that does not exist, before any lookup.
 */
export const MAX_ACCOUNT_NUMBER = 2_147_483_647;

export function fail(code: ErrorCode, details: string): never {
  throw new ExpressPlayError(code, details);
}

/**
 * `digits` hex digits (either case) as bytes. The characters are checked before the length, so `xyz` is
 * `notHex` and `abc` is `wrongLength`; a huge value is only scanned once, linearly.
 */
export function hexBytes(
  value: string,
  digits: number,
  name: string,
  codes: { readonly notHex: ErrorCode; readonly wrongLength: ErrorCode },
): Buffer {
  if (!HEX.test(value)) fail(codes.notHex, `${name} must be hexadecimal`);
  if (value.length !== digits) fail(codes.wrongLength, `${name} must be ${digits} hex digits`);
  return Buffer.from(value, 'hex');
}

/** A decimal integer in [min, max]: ASCII digits only (no sign, no spaces), leading zeros allowed. */
export function integerIn(value: string, min: number, max: number, name: string, code: ErrorCode): number {
  if (!DECIMAL.test(value)) fail(code, `${name} must be an integer from ${min} to ${max}`);
  const number = Number(value);
  if (number < min || number > max) fail(code, `${name} must be an integer from ${min} to ${max}`);
  return number;
}

/**
 * Whether safeText takes `value`: at most maxChars Unicode characters (a UTF-16 pair is one), no control characters
 * or lone halves. For a lookup by a value that safeText guarded when it was stored (a token's cookie).
 */
export function fitsSafeText(value: string, maxChars: number): boolean {
  // A character is at most two UTF-16 units, so the first test bounds the value before it is scanned.
  return value.length <= maxChars * 2 && !isUnsafeText(value) && [...value].length <= maxChars;
}

/** Free text that ends up in tokens and logs: 1..maxChars Unicode characters, no control characters. */
export function safeText(value: string, maxChars: number, name: string, code: ErrorCode): string {
  if (fitsSafeText(value, maxChars)) return value;
  // Over-long values are not scanned for the message either.
  if (value.length <= maxChars * 2 && isUnsafeText(value))
    fail(code, `${name} must not contain control characters or broken UTF-16`);
  fail(code, `${name} must be at most ${maxChars} characters`);
}

/**
 * Standard padded Base64. A space is read as `+`: the only way a space gets into Base64 is an unencoded `+`
 * that the form decoder turned into one (as with `expirationTime=+60`).
 */
export function base64Bytes(value: string, maxChars: number, name: string, code: ErrorCode): Buffer {
  if (value.length > maxChars) fail(code, `${name} must be at most ${maxChars} Base64 characters`);
  const base64 = value.replace(/ /g, '+');
  if (!BASE64.test(base64)) fail(code, `${name} must be padded standard Base64`);
  return Buffer.from(base64, 'base64');
}
