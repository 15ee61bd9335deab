/**
 * Why a Clear Key message was refused. The reasons are stable identifiers so that the rights server can map
 * them to its API error codes and count them; they never depend on the offending bytes.
 */
export type ClearKeyRefusalReason =
  | 'body-too-large'
  | 'not-ascii'
  | 'not-json'
  | 'not-an-object'
  | 'kids-missing'
  | 'kids-empty'
  | 'too-many-kids'
  | 'kid-not-string'
  | 'kid-not-base64'
  | 'kid-wrong-length'
  | 'duplicate-kid'
  | 'type-not-string'
  | 'unsupported-type'
  | 'not-a-license-request';

/**
 * A Clear Key message that cannot be answered. `details` is safe to log and to return: it names positions and
 * limits, never echoes more than the reason needs, and holds no key material (there is none in a request).
 */
export class ClearKeyRequestError extends Error {
  readonly reason: ClearKeyRefusalReason;
  readonly details: string;

  constructor(reason: ClearKeyRefusalReason, details: string) {
    super(`Clear Key message refused (${reason}): ${details}`);
    this.name = 'ClearKeyRequestError';
    this.reason = reason;
    this.details = details;
  }
}

export function refuse(reason: ClearKeyRefusalReason, details: string): never {
  throw new ClearKeyRequestError(reason, details);
}
