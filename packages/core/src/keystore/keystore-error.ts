import { ApiError } from '../errors/api-error';

/**
 * A key store failure that no code of the token API's catalog fits (a missing key, a body that is not a key
 * object): it carries its HTTP status as a positive code, like the errors below the API, and renders as
 * `{"code":404,"message":"[404] <details>"}`. Where a catalog code fits (kids, keys, keks, authenticators) the key
 * store throws an ExpressPlayError instead. `details` are written for the caller and never carry a key or a kek.
 */
export class KeystoreError extends ApiError {
  constructor(
    readonly status: 400 | 404 | 415,
    readonly details: string,
  ) {
    super(`[${status}] ${details}`);
    this.name = 'KeystoreError';
  }

  get code(): number {
    return this.status;
  }

  toJSON(): { code: number; message: string } {
    return { code: this.status, message: this.message };
  }
}
