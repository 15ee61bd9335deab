import { decodeKid } from './base64';
import { refuse } from './errors';

/** The session types a Clear Key license request may name (EME §9.1.3 "License Request Format"). */
export type ClearKeySessionType = 'temporary' | 'persistent-license';

/** `{"kids":[...],"type":"temporary"}`: what `MediaKeySession.generateRequest()` makes a Clear Key CDM send. */
export interface ClearKeyLicenseRequest {
  readonly kind: 'license-request';
  /** 16 bytes each, in the client's order, without duplicates. */
  readonly kids: readonly Buffer[];
  readonly type: ClearKeySessionType;
}

/**
 * `{"kids":[...]}` without `type`: the record of license destruction that `MediaKeySession.remove()` makes a
 * Clear Key CDM send for a persistent-license session (EME "License Release Format"; Chromium's
 * `CreateLicenseReleaseMessage`). Its answer is the acknowledgement `{"kids":[...]}`. Chromium's own
 * `org.w3.clearkey` refuses persistent-license sessions in `requestMediaKeySystemAccess`, so a browser on
 * Chromium never sends one; other Clear Key implementations may.
 */
export interface ClearKeyRelease {
  readonly kind: 'license-release';
  readonly kids: readonly Buffer[];
}

export type ClearKeyMessage = ClearKeyLicenseRequest | ClearKeyRelease;

/** Chromium's CDM sends one entry per key ID in the init data; real content has a handful. */
export const MAX_CLEAR_KEY_KIDS = 32;
/** 32 key IDs of 22 characters with quotes and commas are under 1 KiB; 16 KiB leaves room for whitespace. */
export const MAX_CLEAR_KEY_MESSAGE_BYTES = 16 * 1024;

const SESSION_TYPES: readonly string[] = ['temporary', 'persistent-license'];

/**
 * The raw body of a license-server POST as a Clear Key message. Only `ClearKeyRequestError` escapes:
 * size is checked before anything is decoded, bytes outside printable ASCII and whitespace are refused
 * (JSON of base64 needs nothing else), then the JSON is read by `interpretClearKeyMessage`.
 */
export function parseClearKeyMessage(body: Uint8Array | string): ClearKeyMessage {
  const size = typeof body === 'string' ? body.length : body.byteLength;
  if (size > MAX_CLEAR_KEY_MESSAGE_BYTES) {
    refuse('body-too-large', `message has ${size} bytes; at most ${MAX_CLEAR_KEY_MESSAGE_BYTES} are read`);
  }
  const text =
    typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');

  if (/[^\x20-\x7e\t\n\r]/.test(text)) refuse('not-ascii', 'message holds bytes outside printable ASCII');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    refuse('not-json', 'message is not JSON');
  }
  return interpretClearKeyMessage(json);
}

/**
 * A JSON value already parsed (e.g. by the HTTP framework) as a Clear Key message. A `type` member makes it
 * a license request; its absence a release. Unknown members are ignored, as browsers ignore them in answers.
 */
export function interpretClearKeyMessage(json: unknown): ClearKeyMessage {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    refuse('not-an-object', 'message is not a JSON object');
  }
  const message = json as Record<string, unknown>;
  const kids = readKids(own(message, 'kids'));
  const type = own(message, 'type');
  if (type === undefined) return { kind: 'license-release', kids };
  if (typeof type !== 'string') refuse('type-not-string', "'type' is not a string");
  if (!SESSION_TYPES.includes(type)) {
    refuse('unsupported-type', "'type' is neither 'temporary' nor 'persistent-license'");
  }
  return { kind: 'license-request', kids, type: type as ClearKeySessionType };
}

/** `parseClearKeyMessage`, refusing anything but a license request (the license endpoint's usual case). */
export function parseClearKeyLicenseRequest(body: Uint8Array | string): ClearKeyLicenseRequest {
  const message = parseClearKeyMessage(body);
  if (message.kind !== 'license-request') {
    refuse('not-a-license-request', "message has no 'type', so it is a license release, not a request");
  }
  return message;
}

function readKids(value: unknown): Buffer[] {
  if (value === undefined) refuse('kids-missing', "message has no 'kids'");
  if (!Array.isArray(value)) refuse('kids-missing', "'kids' is not an array");
  if (value.length === 0) refuse('kids-empty', "'kids' is empty");
  if (value.length > MAX_CLEAR_KEY_KIDS) {
    refuse('too-many-kids', `'kids' has ${value.length} entries; at most ${MAX_CLEAR_KEY_KIDS} are answered`);
  }
  const kids: Buffer[] = [];
  const seen = new Set<string>();
  for (let index = 0; index < value.length; index++) {
    const entry: unknown = value[index];
    if (typeof entry !== 'string') refuse('kid-not-string', `kids[${index}] is not a string`);
    const kid = decodeKid(entry, index);
    const hex = kid.toString('hex');
    if (seen.has(hex)) refuse('duplicate-kid', `kids[${index}] repeats an earlier key ID`);
    seen.add(hex);
    kids.push(kid);
  }
  return kids;
}

// Only own members: a hostile `{"__proto__": ...}` or an inherited getter must not stand in for a field.
function own(object: Record<string, unknown>, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, name) ? object[name] : undefined;
}
