import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { redactUrl } from '../logging/redact';
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
 * The parts Nest leaves to Fastify: body parsing, per-route metrics and access logs. (Fastify's own errors, such
 * as a body over the limit, reach the app's exception filter through Nest's error handler.) Access lines come
 * from this hook rather than a Nest middleware, which costs every request even when the level hides the line.
 */
export function configureFastifyApp(app: NestFastifyApplication, options: HttpAppOptions, metrics: Metrics, logger: Logger): void {
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
    const code = resultCodeOf(request, reply.statusCode);
    metrics.observe(route, reply.statusCode, code, reply.elapsedTime / 1000);
    if (logger.isLevelEnabled('info') && !request.url.startsWith('/health')) {
      // Secret parameters lose their values; of the headers only the user agent is kept; bodies never are.
      logger.info(
        {
          req: { method: request.method, url: redactUrl(request.url), remoteAddress: request.ip, userAgent: request.headers['user-agent'] },
          res: { statusCode: reply.statusCode, code },
          responseTime: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request completed',
      );
    }
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
