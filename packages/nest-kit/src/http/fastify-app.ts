import { Logger } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorFormatResolver, sendFailure } from '../errors/api-exception.filter';
import type { Metrics } from '../metrics/metrics';

export interface HttpAppOptions {
  /** Largest accepted request body; larger ones get 413 in the requested error format. */
  readonly bodyLimit: number;
  /** Media types accepted in request bodies, each handed to the handler as a Buffer or a latin1 string. */
  readonly bodyTypes: ReadonlyArray<{ readonly type: string; readonly as: 'buffer' | 'string' }>;
  readonly formatOf: ErrorFormatResolver;
}

export function createFastifyAdapter(options: HttpAppOptions): FastifyAdapter {
  return new FastifyAdapter({ bodyLimit: options.bodyLimit, trustProxy: true, return503OnClosing: true });
}

/** The parts Nest leaves to Fastify: body parsing, its own errors, and per-route metrics. */
export function configureFastifyApp(app: NestFastifyApplication, options: HttpAppOptions, metrics: Metrics): void {
  const fastify = app.getHttpAdapter().getInstance();
  const logger = new Logger('Http');
  fastify.removeAllContentTypeParsers();
  for (const { type, as } of options.bodyTypes) {
    // Bodies are decoded by the handlers themselves (form: lenient percent-decoding; binary: as is).
    fastify.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (_request, body, done) =>
      done(null, as === 'buffer' ? body : (body as Buffer).toString('latin1')),
    );
  }
  fastify.setErrorHandler((error, request, reply) => sendFailure(error, request, reply, options.formatOf, logger));
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    metrics.observe(route, reply.statusCode, resultCodeOf(request, reply.statusCode), reply.elapsedTime / 1000);
    done();
  });
}

const RESULT_CODE = Symbol.for('openplay.resultCode');

/** Handlers record the spec code they answered with, for the metrics. */
export function setResultCode(request: FastifyRequest, code: number): void {
  (request as unknown as Record<symbol, number>)[RESULT_CODE] = code;
}

function resultCodeOf(request: FastifyRequest, status: number): number {
  const code = (request as unknown as Record<symbol, number | undefined>)[RESULT_CODE];
  return code ?? (status < 400 ? 0 : status);
}
