import { HttpException } from '@nestjs/common';
import { ExpressPlayError } from '@openplay/core';
import { databaseUnavailableReason } from '@openplay/database';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { ApiHttpError } from './api-http-error';

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

/** Turns anything thrown while serving a request into what the client sees. Never leaks internals. */
export function describeFailure(exception: unknown): Failure {
  if (exception instanceof ExpressPlayError) {
    return { status: exception.status, code: exception.code, message: exception.message };
  }
  if (exception instanceof ApiHttpError) {
    return { status: exception.status, code: exception.status, message: exception.message };
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
