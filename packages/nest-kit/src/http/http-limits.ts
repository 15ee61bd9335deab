import type { ServerOptions } from 'node:http';

/** What a client may take of an instance: time, connections, head size (the HTTP_* settings). */
export interface HttpLimits {
  /** Time for a whole request (head and body) to arrive; slower gets 408 and the connection closes. */
  readonly requestTimeoutMs: number;
  /** Time for a request's head to arrive (a connection that sends nothing included); slower gets 408. */
  readonly headersTimeoutMs: number;
  /** Idle time after which a keep-alive connection is closed. */
  readonly keepAliveTimeoutMs: number;
  /** Open connections served; a connection beyond gets 503 with Retry-After, then closes. */
  readonly maxConnections: number;
  /** Largest request head: a longer request line gets 414, a larger head 431. */
  readonly maxHeaderBytes: number;
}

/** Node's and Fastify's server options for the limits. */
export function serverOptionsOf(limits: HttpLimits): {
  requestTimeout: number;
  keepAliveTimeout: number;
  http: ServerOptions;
} {
  return {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node looks for overdue heads and requests only this often (30 s by default, which would add up to 30 s to
      // every timeout): a tenth of the shorter timeout, at most a second, keeps the overshoot small for a walk
      // over the connection list that costs microseconds.
      connectionsCheckingInterval: Math.max(
        10,
        Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 10)),
      ),
      // Node answers a missing Host with an empty 400 of its own; the onRequest hook answers it in the API's shape.
      requireHostHeader: false,
    },
  };
}
