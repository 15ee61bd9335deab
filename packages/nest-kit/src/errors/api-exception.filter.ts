import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { ErrorFormat } from '@openplay/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describeFailure } from './describe-failure';
import { renderError } from './render-error';

export type ErrorFormatResolver = (request: FastifyRequest) => ErrorFormat;

/** Reply with the spec's error body for anything thrown; unexpected errors are logged with an id. */
export function sendFailure(
  exception: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  formatOf: ErrorFormatResolver,
  logger: Logger,
): void {
  const failure = describeFailure(exception);
  const route = `${request.method} ${request.routeOptions?.url ?? 'unknown route'}`;
  if (failure.errorId) logger.error(`error id ${failure.errorId} on ${route}`, (exception as Error)?.stack);
  // Expected while the database is down or frozen: one line, no stack (the reason holds no secrets).
  if (failure.databaseUnavailable) logger.warn(`database unavailable on ${route}: ${failure.databaseUnavailable}`);
  let format: ErrorFormat = 'html';
  try {
    format = formatOf(request);
  } catch {
    // A request too broken to read its errorFormat gets the default.
  }
  const rendered = renderError(format, failure.status, failure.code, failure.message);
  if (failure.retryAfterSeconds !== undefined) void reply.header('retry-after', String(failure.retryAfterSeconds));
  void reply.status(rendered.status).header('content-type', rendered.contentType).send(rendered.body);
}

@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  constructor(private readonly formatOf: ErrorFormatResolver) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendFailure(
      exception,
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      this.formatOf,
      this.logger,
    );
  }
}
