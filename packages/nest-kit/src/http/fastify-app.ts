import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorFormatResolver } from '../errors/api-exception.filter';
import type { Metrics } from '../metrics/metrics';

export interface HttpAppOptions {
  /** Largest accepted request body; larger ones get 413 in the requested error format. */
  readonly bodyLimit: number;
  /** Media types accepted in request bodies, each handed to the handler as a Buffer or a latin1 string. */
  readonly bodyTypes: ReadonlyArray<{ readonly type: string; readonly as: 'buffer' | 'string' }>;
  readonly formatOf: ErrorFormatResolver;
}

export function createFastifyAdapter(options: HttpAppOptions): FastifyAdapter {
  // ignoreTrailingSlash: the spec's URLs end in `/rights/?ExpressPlayToken=`.
  return new FastifyAdapter({ bodyLimit: options.bodyLimit, trustProxy: true, return503OnClosing: true, routerOptions: { ignoreTrailingSlash: true } });
}

/**
 * The parts Nest leaves to Fastify: body parsing and per-route metrics. (Fastify's own errors, such as a body
 * over the limit, reach the app's exception filter through Nest's error handler.)
 */
export function configureFastifyApp(app: NestFastifyApplication, options: HttpAppOptions, metrics: Metrics): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  for (const { type, as } of options.bodyTypes) {
    // Bodies are decoded by the handlers themselves (form: lenient percent-decoding; binary: as is).
    fastify.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (_request, body, done) =>
      done(null, as === 'buffer' ? body : (body as Buffer).toString('latin1')),
    );
  }
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
