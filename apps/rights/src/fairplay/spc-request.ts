import { ExpressPlayError } from '@openplay/core';
import { parseFormBody } from '@openplay/nest-kit';
import type { RedemptionResult } from '../redemption/redemption-result';
import { bodyBytes } from '../redemption/request-info';

/** How the player sent its SPC, which decides how the CKC goes back. */
export type SpcWire = 'raw' | 'form' | 'json';

export interface SpcRequest {
  readonly wire: SpcWire;
  readonly spc: Buffer;
}

/**
 * Players send SPCs three ways: raw bytes (Shaka's ExpressPlay helper, iOS loaders), `spc=<base64>` forms
 * (Apple's Safari sample; `+` may arrive decoded as a space, and some send base64url), and JSON `{"spc": …}`.
 */
export function readSpcRequest(contentType: string | undefined, body: unknown): SpcRequest {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const fields = parseFormBody(typeof body === 'string' ? body : '');
    // Some players percent-encode the whole pair (`spc%3D…`, shaka-player #1915): its name then holds the value.
    const value =
      fields.find(([name]) => name === 'spc')?.[1] ??
      fields.find(([name, v]) => name.startsWith('spc=') && v === '')?.[0].slice(4);
    if (value === undefined) throw new ExpressPlayError(-6004, 'the form has no spc field');
    return { wire: 'form', spc: decodeBase64(value) };
  }
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(typeof body === 'string' ? body : '');
    } catch {
      throw new ExpressPlayError(-6004, 'the JSON body does not parse');
    }
    const value = (parsed as { spc?: unknown } | null)?.spc;
    if (typeof value !== 'string') throw new ExpressPlayError(-6004, 'the JSON body has no "spc" string');
    return { wire: 'json', spc: decodeBase64(value) };
  }
  return { wire: 'raw', spc: bodyBytes(body) };
}

function decodeBase64(text: string): Buffer {
  // Spaces first: a form that did not percent-encode its base64 turns every '+' into one, the last one too
  // (trimming first would drop it and cut the SPC by a byte). Then line breaks and tabs go, and base64url
  // becomes base64.
  const normalized = text
    .replace(/ /g, '+')
    .replace(/[\r\n\t]+/g, '')
    .replace(/-/g, '+')
    .replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(normalized) || normalized.replace(/=+$/, '').length % 4 === 1) {
    throw new ExpressPlayError(-6004, 'the spc is not base64');
  }
  return Buffer.from(normalized, 'base64');
}

const FORM_HEADERS = { 'content-type': 'text/plain; charset=utf-8' } as const;
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' } as const;
const RAW_HEADERS = { 'content-type': 'application/octet-stream' } as const;

/** The CKC in the form that matches the request: raw bytes, `<ckc>base64</ckc>`, or `{"ckc": base64}`. */
export function ckcResult(wire: SpcWire, ckc: Buffer): RedemptionResult {
  if (wire === 'form') return { headers: FORM_HEADERS, body: `<ckc>${ckc.toString('base64')}</ckc>` };
  if (wire === 'json') return { headers: JSON_HEADERS, body: JSON.stringify({ ckc: ckc.toString('base64') }) };
  return { headers: RAW_HEADERS, body: ckc };
}
