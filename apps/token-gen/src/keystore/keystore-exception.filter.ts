import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import { KeystoreError } from '@openplay/core';
import { ApiHttpError, sendFailure } from '@openplay/nest-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The key store answers every error in JSON, whatever `errorFormat` says (it is a JSON API, as ExpressPlay's SKM
 * API is): the token API's codes where core threw one, else `{"code":<status>,"message":"[<status>] …"}`.
 */
@Catch()
export class KeystoreExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Keystore');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const error = exception instanceof KeystoreError ? new ApiHttpError(exception.status, exception.details) : exception;
    sendFailure(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), () => 'json', this.logger);
  }
}
