import { HttpException } from '@nestjs/common';
import { ApiError } from '@openplay/core';
import { databaseUnavailableReason } from '@openplay/database';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';

export interface Failure {
  readonly status: number;
  readonly code: number;
  readonly message: string;
  /** Set for unexpected failures: logged with the error, shown to the client instead of any internals. */
  readonly errorId?: string;
  /** Sent as Retry-After: the failure is expected to pass (the database is unavailable). */
  readonly retryAfterSeconds?: number;
  /** Why the database is unavailable, short and free of secrets, for a warning line instead of a stack trace. */
  readonly databaseUnavailable?: string;
}

/** What a client is asked to wait before retrying while the database is down or not answering. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/**
 * Turns anything thrown while serving a request into what the client sees. Never leaks internals. The one mapping
 * of every error type: an `ApiError` (ExpressPlayError and its Widevine refusals, KeystoreError, ApiHttpError,
 * the admin API's errors) describes itself; framework client errors, an unavailable database and the rest are
 * described here.
 */
export function describeFailure(exception: unknown): Failure {
  if (exception instanceof ApiError) {
    const { code, message } = exception.toJSON();
    return { status: exception.status, code, message };
  }
  const status = httpStatusOf(exception);
  if (status !== null && status < 500) {
    const text = status === 404 ? 'Not Found' : clientMessage(exception, status);
    return { status, code: status, message: `[${status}] ${text}` };
  }
  const databaseUnavailable = databaseUnavailableReason(exception);
  if (databaseUnavailable !== null) {
    return {
      status: 503,
      code: 503,
      message: '[503] Service Unavailable: the database is not answering, retry later',
      retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
      databaseUnavailable,
    };
  }
  if (exception instanceof HttpException && status !== null && status >= 500) {
    return { status, code: status, message: `[${status}] ${STATUS_CODES[status] ?? 'Server error'}` };
  }
  const errorId = randomUUID();
  return { status: 500, code: 500, message: `[500] Internal server error (error id ${errorId})`, errorId };
}

function httpStatusOf(exception: unknown): number | null {
  if (exception instanceof HttpException) return exception.getStatus();
  const statusCode = (exception as { statusCode?: unknown })?.statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 600 ? statusCode : null;
}

/** Client errors below the API (body too large, media type) are worded for the caller, whoever raised them. */
function clientMessage(exception: unknown, status: number): string {
  if (status === 413) return 'Request body is too large';
  if (status === 415) return 'Unsupported media type';
  const code = (exception as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('FST_ERR_CTP')) return 'Malformed request body';
  return STATUS_CODES[status] ?? 'Client error';
}
