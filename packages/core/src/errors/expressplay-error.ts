import { ApiError } from './api-error';
import { ERROR_CATALOG, type ErrorCode } from './catalog';

/**
 * The one error type of the token API. `details` name the offending value's problem, never a secret:
 * callers pass descriptions ("must be 32 hex digits"), not the value of a key or authenticator.
 */
export class ExpressPlayError extends ApiError {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    readonly details?: string,
  ) {
    super(renderMessage(code, details));
    this.name = 'ExpressPlayError';
    this.status = ERROR_CATALOG[code].status;
  }

  toJSON(): { code: number; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** `[-2018] Authentication token invalid: <details>`: the shape ExpressPlay's servers emit. */
export function renderMessage(code: ErrorCode, details?: string): string {
  const base = `[${code}] ${ERROR_CATALOG[code].message}`;
  return details ? `${base}: ${details}` : base;
}
