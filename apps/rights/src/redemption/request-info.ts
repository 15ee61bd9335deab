import { parseUrlEncoded, queryOf } from '@openplay/nest-kit';
import type { FastifyRequest } from 'fastify';
import type { Caller } from './redemption';

/** The token from `?ExpressPlayToken=` (as token-gen returns it) or, as ExpressPlay allows, an `ExpressPlayToken` header. */
export function tokenOf(request: FastifyRequest): string | null {
  const fromQuery = parseUrlEncoded(queryOf(request.url)).find(([name]) => name === 'ExpressPlayToken')?.[1];
  if (fromQuery) return fromQuery;
  const header = request.headers['expressplaytoken'];
  return (Array.isArray(header) ? header[0] : header) || null;
}

export function callerOf(request: FastifyRequest): Caller {
  const agent = request.headers['user-agent'];
  return { clientAddress: request.ip ?? null, userAgent: agent === undefined ? null : agent.slice(0, 512) };
}

/** The request body as bytes, whatever parser took it (binary types arrive as Buffers, text types as latin1). */
export function bodyBytes(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'latin1');
  return Buffer.alloc(0);
}

/** Clients that ask for JSON get JSON errors even where a CDM-readable refusal exists. */
export function wantsJson(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('application/json');
}
