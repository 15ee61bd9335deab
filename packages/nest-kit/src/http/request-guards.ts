import type { ErrorFormat } from '@openplay/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import type { ErrorFormatResolver } from '../errors/api-exception.filter';
import { renderError } from '../errors/render-error';

/**
 * Where HEAD may run a GET route: routes without side effects. Fastify gives every GET route a HEAD twin that runs
 * the GET handler, so elsewhere a HEAD would issue a token, write an audit row or read a key.
 */
const HEAD_PATHS = /^\/(health|metrics|docs)(\/|\?|$)/;

/** Seconds an over-the-cap client is told to wait: connections are short, a slot frees up quickly. */
const RETRY_AFTER_SECONDS = 1;

/**
 * Beyond this many times the cap, connections are dropped unanswered (Node's server.maxConnections): answering costs
 * a file descriptor and a parsed head per connection, which a flood must not be able to exhaust.
 */
const HARD_CAP_FACTOR = 2;

const OVER_CAP = Symbol('openplay.overConnectionCap');

export interface RequestGuardOptions {
  readonly formatOf: ErrorFormatResolver;
  readonly maxConnections: number;
  /** More read-only GET routes where HEAD may run (besides /health, /metrics and /docs). */
  readonly headPaths?: RegExp;
}

/**
 * What the app refuses before routing, in its error shape: a request on a connection over the cap (503 with
 * Retry-After), an HTTP/1.1 request without Host (400), HEAD on a route with side effects (405 with Allow).
 */
export function registerRequestGuards(fastify: FastifyInstance, options: RequestGuardOptions): void {
  let open = 0;
  fastify.server.maxConnections = options.maxConnections * HARD_CAP_FACTOR;
  fastify.server.on('connection', (socket: Socket) => {
    open += 1;
    // Its request is parsed (bounded by the headers timeout) so that it can be answered in the API's shape.
    if (open > options.maxConnections) (socket as Socket & { [OVER_CAP]?: true })[OVER_CAP] = true;
    socket.once('close', () => (open -= 1));
  });

  const methodsByUrl = new Map<string, Set<string>>();
  fastify.addHook('onRoute', (route) => {
    const methods = methodsByUrl.get(route.url) ?? new Set<string>();
    for (const method of [route.method].flat()) if (method !== 'HEAD') methods.add(method);
    methodsByUrl.set(route.url, methods);
  });

  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if ((request.raw.socket as Socket & { [OVER_CAP]?: true })[OVER_CAP]) {
      void reply.header('retry-after', String(RETRY_AFTER_SECONDS)).header('connection', 'close');
      refuse(request, reply, options.formatOf, 503, '[503] Service unavailable: too many connections, retry later');
      return;
    }
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') {
      void reply.header('connection', 'close');
      refuse(request, reply, options.formatOf, 400, '[400] Missing Host header');
      return;
    }
    if (request.method === 'HEAD' && !HEAD_PATHS.test(request.url) && !options.headPaths?.test(request.url)) {
      const route = request.routeOptions.url;
      const methods = route === undefined ? undefined : methodsByUrl.get(route);
      if (methods !== undefined && methods.size > 0) {
        const allow = [...methods].sort(byMethodOrder).join(', ');
        void reply.header('allow', allow);
        refuse(request, reply, options.formatOf, 405, `[405] Method not allowed: HEAD (allowed: ${allow})`);
        return;
      }
    }
    done();
  });
}

const METHOD_ORDER = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const byMethodOrder = (a: string, b: string) =>
  (METHOD_ORDER.indexOf(a) >>> 0) - (METHOD_ORDER.indexOf(b) >>> 0) || a.localeCompare(b);

/** Answers the request with the API's error body, in the format it asks for. */
export function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  formatOf: ErrorFormatResolver,
  status: number,
  message: string,
): void {
  let format: ErrorFormat = 'html';
  try {
    format = formatOf(request);
  } catch {
    // A request too broken to read its errorFormat gets the default.
  }
  const rendered = renderError(format, status, status, message);
  void reply.status(status).header('content-type', rendered.contentType).send(rendered.body);
}
