import { ApiError } from '@openplay/core';

/**
 * A client error outside the token API's catalog (record retrieval's parameters, the admin API): rendered like
 * the codes below the API, `{"code":<status>,"message":"[<status>] <details>"}`, so a client can always read
 * `code`. `details` are written for the caller and never carry a secret.
 */
export class ApiHttpError extends ApiError {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415,
    readonly details: string,
  ) {
    super(`[${status}] ${details}`);
    this.name = 'ApiHttpError';
  }

  toJSON(): { code: number; message: string } {
    return { code: this.status, message: this.message };
  }
}
