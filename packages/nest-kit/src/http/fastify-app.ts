import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { redactUrl } from '../logging/redact';
import type { ErrorFormatResolver } from '../errors/api-exception.filter';
import type { Metrics } from '../metrics/metrics';
import { clientErrorHandler, type RefusalObserver } from './client-errors';
import { type HttpLimits, serverOptionsOf } from './http-limits';
import { refuse, registerRequestGuards } from './request-guards';

export interface HttpAppOptions {
  /** Largest accepted request body; larger ones get 413 in the requested error format. */
  readonly bodyLimit: number;
  /** Media types accepted in request bodies; any other type is 415. */
  readonly bodyTypes: ReadonlyArray<BodyType>;
  readonly formatOf: ErrorFormatResolver;
  /** Longest path parameter, in characters as sent (Fastify's default: 100); longer ones get 414. */
  readonly maxParamLength?: number;
  /**
   * Which hops may set X-Forwarded-For (TRUST_PROXY): the client address in audit rows and logs comes from it
   * only for them. false (the default): the socket's peer, which a client cannot forge.
   */
  readonly trustProxy?: boolean | string;
  /**
   * Read-only GET routes where HEAD may run the GET handler, besides /health, /metrics and /docs; elsewhere HEAD
   * is 405 (Fastify would run the GET handler: issue a token, write an audit row).
   */
  readonly headPaths?: RegExp;
  /** Timeouts, connection cap and head size (the HTTP_* settings: `httpLimits(config)`). */
  readonly limits: HttpLimits;
}

export interface BodyType {
  readonly type: string;
  /** How the handler gets the body: `buffer` as is, `string` as latin1 text (forms: the handler decodes), `json` as `{ json: <UTF-8 text> }`. */
  readonly as: 'buffer' | 'string' | 'json';
  /** Only for request URLs this matches (say, a JSON API next to the form-only token API); elsewhere 415. */
  readonly paths?: RegExp;
}

/** Per Fastify instance, who counts and logs the refusals of its clientErrorHandler (set by configureFastifyApp). */
const refusalObservers = new WeakMap<object, RefusalObserver>();

export function createFastifyAdapter(options: HttpAppOptions): FastifyAdapter {
  // The client error handler is given before the Fastify instance exists; it finds the instance here afterwards.
  const created: { instance?: object } = {};
  const observe: RefusalObserver = (...args) =>
    created.instance === undefined ? undefined : refusalObservers.get(created.instance)?.(...args);
  // ignoreTrailingSlash: the spec's URLs end in `/rights/?ExpressPlayToken=`.
  const adapter = new FastifyAdapter({
    ...serverOptionsOf(options.limits),
    // What Node's parser refuses (a head over the limit, malformed bytes, a slow client) in the app's error shape.
    clientErrorHandler: clientErrorHandler(options.formatOf, options.limits.maxHeaderBytes, observe),
    // No Nest middleware in these apps (request work lives in Fastify hooks): without middie, every request skips
    // its onRequest hook, most of what Nest adds to a request on Fastify (about 15 µs here).
    skipMiddie: true,
    bodyLimit: options.bodyLimit,
    trustProxy: options.trustProxy ?? false,
    return503OnClosing: true,
    routerOptions: {
      ignoreTrailingSlash: true,
      ...(options.maxParamLength ? { maxParamLength: options.maxParamLength } : {}),
    },
    // The router's own refusals (a path that is not valid percent-encoding, a path parameter over maxParamLength)
    // in the app's error shape and requested format. Fastify's default body echoes the URL, authenticator included.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
      refuse(
        request,
        reply,
        options.formatOf,
        status,
        `[${status}] ${status === 414 ? 'URI Too Long' : 'Malformed URL'}`,
      );
    },
  });
  created.instance = adapter.getInstance();
  registerRequestGuards(adapter.getInstance(), {
    formatOf: options.formatOf,
    maxConnections: options.limits.maxConnections,
    headPaths: options.headPaths,
  });
  return adapter;
}

/**
 * The parts Nest leaves to Fastify: body parsing, per-route metrics and access logs. (Fastify's own errors, such
 * as a body over the limit, reach the app's exception filter through Nest's error handler.) Access lines come
 * from this hook rather than a Nest middleware, which costs every request even when the level hides the line.
 */
export function configureFastifyApp(
  app: NestFastifyApplication,
  options: HttpAppOptions,
  metrics: Metrics,
  logger: Logger,
): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  for (const { type, as, paths } of options.bodyTypes) {
    // Bodies are decoded by the handlers themselves (form: lenient percent-decoding; binary: as is; JSON: parsed there).
    fastify.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (request, body, done) => {
      if (paths && !paths.test(request.url)) {
        done(
          Object.assign(new Error('Unsupported Media Type'), {
            statusCode: 415,
            code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
          }),
          undefined,
        );
        return;
      }
      const bytes = body as Buffer;
      done(null, as === 'buffer' ? bytes : as === 'json' ? { json: bytes.toString('utf8') } : bytes.toString('latin1'));
    });
  }
  // Closing waits for the requests in flight, but a keep-alive connection whose request was in flight when closing
  // began turns idle afterwards and would hold the close for HTTP_KEEP_ALIVE_TIMEOUT_MS: such answers say
  // Connection: close, so each connection ends with its last answer.
  let closing = false;
  fastify.addHook('preClose', (done: () => void) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request: FastifyRequest, reply: FastifyReply, payload: unknown, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  // A body refused unread (over the limit, a media type not taken) may still be on its way. Fastify then closes the
  // connection, and closing a socket with unread bytes resets it, which can destroy the answer before the client
  // reads it. The rest of the body is read and dropped instead (within HTTP_REQUEST_TIMEOUT_MS, as any body), and
  // the connection stays open.
  fastify.addHook('onError', (request: FastifyRequest, reply: FastifyReply, _error: unknown, done: () => void) => {
    if (!request.raw.complete) {
      reply.removeHeader('connection');
      request.raw.resume();
    }
    done();
  });
  // Requests refused by Node's parser never reach the hooks: counted under the route `unparsed`, logged like others.
  refusalObservers.set(fastify, (refusal, socket, url) => {
    metrics.requests.labels('unparsed', String(refusal.status), String(refusal.status)).inc();
    if (logger.isLevelEnabled('info')) {
      logger.info(
        {
          req: {
            url: url === undefined ? undefined : redactUrl(url).slice(0, 1024),
            remoteAddress: socket.remoteAddress,
          },
          res: { statusCode: refusal.status },
        },
        'request refused',
      );
    }
  });
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    const code = resultCodeOf(request, reply.statusCode);
    metrics.observe(route, reply.statusCode, code, reply.elapsedTime / 1000);
    if (logger.isLevelEnabled('info') && !request.url.startsWith('/health')) {
      // Secret parameters lose their values; of the headers only the user agent is kept; bodies never are.
      logger.info(
        {
          req: {
            method: request.method,
            url: redactUrl(request.url),
            remoteAddress: request.ip,
            userAgent: request.headers['user-agent'],
          },
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
