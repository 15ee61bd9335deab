import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface CorsPolicy {
  /** `*`, or the exact origins (scheme, host, port) allowed to read answers from a browser. */
  readonly origins: '*' | readonly string[];
  readonly methods: readonly string[];
  readonly allowedHeaders: readonly string[];
  readonly exposedHeaders: readonly string[];
  /** Seconds a browser may cache a preflight's answer. */
  readonly maxAge: number;
}

/** CORS_ORIGINS as a policy's origins: `*`, or a comma-separated list. */
export function corsOrigins(setting: string): CorsPolicy['origins'] {
  return setting.trim() === '*' ? '*' : setting.split(',').map((origin) => origin.trim()).filter(Boolean);
}

/**
 * CORS for a fixed policy, as one onRequest hook whose headers are computed once: the policy never changes at run
 * time, so the per-request work is a header or two (a generic plugin resolves its options on every request, a
 * measurable share of a license request's framework time). Preflights (OPTIONS with Access-Control-Request-Method)
 * are answered 204 here, before routing; every other answer carries Allow-Origin and Expose-Headers. With a list of
 * origins, an origin not in it gets no Allow-Origin (the browser then withholds the answer) and answers vary by Origin.
 */
export function registerCors(fastify: FastifyInstance, policy: CorsPolicy): void {
  const anyOrigin = policy.origins === '*';
  const allowed = new Set(anyOrigin ? [] : policy.origins);
  const methods = policy.methods.join(', ');
  const allowedHeaders = policy.allowedHeaders.join(', ');
  const exposedHeaders = policy.exposedHeaders.join(', ');
  const maxAge = String(policy.maxAge);

  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    let origin: string | undefined;
    if (anyOrigin) origin = '*';
    else {
      void reply.header('vary', 'Origin');
      const requested = request.headers.origin;
      if (requested !== undefined && allowed.has(requested)) origin = requested;
    }
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      if (origin !== undefined) {
        void reply
          .header('access-control-allow-origin', origin)
          .header('access-control-allow-methods', methods)
          .header('access-control-allow-headers', allowedHeaders)
          .header('access-control-max-age', maxAge);
      }
      void reply.code(204).send();
      return;
    }
    if (origin !== undefined) {
      void reply.header('access-control-allow-origin', origin).header('access-control-expose-headers', exposedHeaders);
    }
    done();
  });
}
