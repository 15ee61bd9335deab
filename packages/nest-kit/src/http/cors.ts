import type { FastifyCorsOptions } from '@fastify/cors';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

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
  return setting.trim() === '*'
    ? '*'
    : setting
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean);
}

/**
 * The policy as @fastify/cors options. With a list, an origin not on it gets no Allow-Origin (the browser then
 * withholds the answer) and answers vary by Origin. Every OPTIONS is answered 204 as a preflight: the strict mode
 * would answer one without Origin or Access-Control-Request-Method 400 in plain text, outside the API's error shape.
 */
export function corsOptionsOf(policy: CorsPolicy): FastifyCorsOptions {
  // Lists as joined strings: the plugin joins an array on every request, a string it sends as is.
  return {
    origin: policy.origins === '*' ? '*' : [...policy.origins],
    methods: policy.methods.join(', '),
    allowedHeaders: policy.allowedHeaders.join(', '),
    exposedHeaders: policy.exposedHeaders.join(', '),
    maxAge: policy.maxAge,
    strictPreflight: false,
  };
}

/**
 * CORS through Nest's adapter, which runs @fastify/cors's hook first of all onRequest hooks: preflights are answered
 * before routing and before the request guards, and the guards' refusals (503 over the connection cap, 400 without
 * Host, 405 for HEAD) carry the CORS headers like every other answer.
 */
export function enableCors(app: NestFastifyApplication, policy: CorsPolicy): void {
  app.enableCors(corsOptionsOf(policy));
}
