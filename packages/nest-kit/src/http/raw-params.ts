import type { RawParams } from '@openplay/core';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `application/x-www-form-urlencoded` / query-string pairs, in order, with duplicates kept (the rules treat a
 * repeated single-valued parameter as an error, so nothing may be merged here). Decoding never throws:
 * `+` is a space, a malformed `%` escape stays as written, and in a value that is not UTF-8 each byte
 * above 0x7f becomes a lone surrogate (U+DC80–U+DCFF, "surrogateescape"): no rule accepts those, so the
 * parameter's own rule refuses the value with its own code.
 */
export function parseUrlEncoded(text: string, into: Array<[string, string]> = []): Array<[string, string]> {
  if (text.length === 0) return into;
  for (const part of text.split('&')) {
    if (part.length === 0) continue;
    const eq = part.indexOf('=');
    const name = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1));
    into.push([name, value]);
  }
  return into;
}

function decodeComponent(raw: string): string {
  const text = raw.includes('+') ? raw.replace(/\+/g, ' ') : raw;
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return decodeLeniently(text);
  }
}

function decodeLeniently(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.charCodeAt(i) === 0x25 ? text.slice(i + 1, i + 3) : '';
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i], 'utf8'));
    }
  }
  const raw = Uint8Array.from(bytes);
  try {
    return strictUtf8.decode(raw);
  } catch {
    return String.fromCharCode(...Array.from(raw, (b) => (b < 0x80 ? b : 0xdc00 + b)));
  }
}

/**
 * An `application/x-www-form-urlencoded` body as the content-type parser hands it over: one character per byte
 * (latin1). Bytes above 0x7f are the UTF-8 of the text, exactly as `%XX` escapes of them would be, so they are
 * decoded the same way: valid UTF-8 becomes its characters, anything else the lone surrogates that the rules
 * refuse with the parameter's own code (a raw `C3 A9` is "é", not "Ã©"; a raw `FF` is refused).
 */
export function parseFormBody(latin1Text: string, into: Array<[string, string]> = []): Array<[string, string]> {
  return parseUrlEncoded(
    RAW_HIGH_BYTE.test(latin1Text) ? latin1Text.replace(RAW_HIGH_BYTES, escapeByte) : latin1Text,
    into,
  );
}

const RAW_HIGH_BYTE = /[\u0080-\u00ff]/;
const RAW_HIGH_BYTES = /[\u0080-\u00ff]/g;
const escapeByte = (char: string): string => `%${char.charCodeAt(0).toString(16).toUpperCase()}`;

/** The query string of a raw request URL (`/path?x=1` → `x=1`). */
export function queryOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

/** Query parameters first, then the form body's: both carry the same parameters (spec §1). */
export function requestParams(url: string, formBody: unknown): RawParams {
  const pairs = parseUrlEncoded(queryOf(url));
  if (typeof formBody === 'string') parseFormBody(formBody, pairs);
  return pairs;
}
