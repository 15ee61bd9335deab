import { refuse } from './errors';

export const KID_BYTES = 16;
export const KEY_BYTES = 16;

// 16 bytes are 22 characters unpadded, 24 padded; anything much longer is not a key ID in any encoding.
const MAX_ENCODED_KID_LENGTH = 64;
const URL_ALPHABET = /^[A-Za-z0-9_-]*$/;
const STANDARD_ALPHABET = /^[A-Za-z0-9+/]*$/;

/** Unpadded base64url, the only encoding the Clear Key spec and Chromium's CDM emit and parse. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * One entry of `kids` as its 16 bytes. Chromium sends unpadded base64url; some older Android Clear Key
 * plugins sent padded or standard-alphabet base64, so both are taken, but only in canonical form: one
 * alphabet, the exact padding, zero trailing bits. Two spellings of one key ID would otherwise slip past
 * duplicate detection and make audit rows disagree with what the client asked.
 */
export function decodeKid(value: string, index: number): Buffer {
  const where = `kids[${index}]`;
  if (value.length === 0 || value.length > MAX_ENCODED_KID_LENGTH) {
    refuse('kid-not-base64', `${where} has ${value.length} characters; a key ID has 22 (24 padded)`);
  }
  const body = stripPadding(value, where);
  let canonical: string;
  if (URL_ALPHABET.test(body)) canonical = body;
  else if (STANDARD_ALPHABET.test(body)) canonical = body.replace(/\+/g, '-').replace(/\//g, '_');
  else refuse('kid-not-base64', `${where} mixes base64 alphabets or holds characters outside them`);
  if (canonical.length % 4 === 1) refuse('kid-not-base64', `${where} has an impossible base64 length`);
  const bytes = Buffer.from(canonical, 'base64url');
  if (bytes.toString('base64url') !== canonical) {
    refuse('kid-not-base64', `${where} is not canonical base64 (non-zero trailing bits)`);
  }
  if (bytes.length !== KID_BYTES) {
    refuse('kid-wrong-length', `${where} decodes to ${bytes.length} bytes; a key ID has ${KID_BYTES}`);
  }
  return bytes;
}

function stripPadding(value: string, where: string): string {
  const firstPad = value.indexOf('=');
  if (firstPad === -1) return value;
  const padding = value.length - firstPad;
  if (padding > 2 || !/^=+$/.test(value.slice(firstPad)) || value.length % 4 !== 0) {
    refuse('kid-not-base64', `${where} has misplaced '=' padding`);
  }
  return value.slice(0, firstPad);
}
