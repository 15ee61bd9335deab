import { KEY_BYTES, KID_BYTES, encodeBase64Url } from './base64';
import type { ClearKeySessionType } from './message';

/** A content key the grant holds, as the rights server has it: 16-byte key ID and 16-byte AES-128 key. */
export interface ClearKeyContentKey {
  readonly kid: Uint8Array;
  readonly key: Uint8Array;
}

/** What the grant holds: a list of pairs, or a map from the key ID in hex (either case) to the key. */
export type ClearKeyAvailableKeys = Iterable<ClearKeyContentKey> | ReadonlyMap<string, Uint8Array>;

export interface ClearKeyLicense {
  /**
   * `{"keys":[{"kty":"oct","kid":"…","k":"…"}],"type":"…"}` (JSON Web Key Set, unpadded base64url), to be
   * sent as the license body. It holds content keys: never log it. When `granted` is empty, `keys` is empty
   * and Chromium's CDM rejects it ("JSON Web Key Set does not contain any keys"), so a caller refuses instead.
   */
  readonly body: string;
  /** The requested key IDs answered, in request order. */
  readonly granted: readonly Buffer[];
  /** The requested key IDs the grant does not hold, in request order, for the audit row. */
  readonly notGranted: readonly Buffer[];
}

/**
 * The Clear Key license for `requested` (from `parseClearKeyLicenseRequest`): a key for each requested key ID the
 * grant holds and for no other, so a token for one title never discloses another title's keys to a request
 * that names them. `type` echoes the request's session type.
 */
export function buildClearKeyLicense(
  requested: readonly Uint8Array[],
  available: ClearKeyAvailableKeys,
  type: ClearKeySessionType = 'temporary',
): ClearKeyLicense {
  const keys = indexKeys(available);
  const jwks: { kty: 'oct'; kid: string; k: string }[] = [];
  const granted: Buffer[] = [];
  const notGranted: Buffer[] = [];
  for (const kid of requested) {
    const copy = Buffer.from(kid);
    const key = keys.get(copy.toString('hex'));
    if (key === undefined) {
      notGranted.push(copy);
      continue;
    }
    jwks.push({ kty: 'oct', kid: encodeBase64Url(copy), k: encodeBase64Url(key) });
    granted.push(copy);
  }
  return { body: JSON.stringify({ keys: jwks, type }), granted, notGranted };
}

/** The answer to a license release (EME "License Release Acknowledgement Format"): `{"kids":[...]}`. */
export function buildClearKeyReleaseAcknowledgement(kids: readonly Uint8Array[]): string {
  return JSON.stringify({ kids: kids.map((kid) => encodeBase64Url(kid)) });
}

// A wrong-sized key is a bug or a corrupt key store, not a client's fault; the messages name no key material.
function indexKeys(available: ClearKeyAvailableKeys): Map<string, Uint8Array> {
  const keys = new Map<string, Uint8Array>();
  const add = (kid: Uint8Array, key: Uint8Array): void => {
    if (!(kid instanceof Uint8Array) || kid.byteLength !== KID_BYTES) {
      throw new RangeError(`a granted Clear Key key ID must be ${KID_BYTES} bytes`);
    }
    if (!(key instanceof Uint8Array) || key.byteLength !== KEY_BYTES) {
      throw new RangeError(`a granted Clear Key content key must be ${KEY_BYTES} bytes`);
    }
    keys.set(Buffer.from(kid.buffer, kid.byteOffset, kid.byteLength).toString('hex'), key);
  };
  if (available instanceof Map) {
    for (const [hex, key] of available as ReadonlyMap<string, Uint8Array>) {
      if (typeof hex !== 'string' || !/^[0-9a-fA-F]{32}$/.test(hex)) {
        throw new RangeError(`a granted Clear Key key ID must be ${KID_BYTES * 2} hex digits`);
      }
      add(Buffer.from(hex, 'hex'), key);
    }
  } else {
    for (const { kid, key } of available as Iterable<ClearKeyContentKey>) add(kid, key);
  }
  return keys;
}
