import { ApiHttpError, parseFormBody } from '@openplay/nest-kit';
import type { FastifyRequest } from 'fastify';

const ADMIN_PATH = /^\/admin(\/|\?|$)/;

export function isAdminPath(url: string): boolean {
  return ADMIN_PATH.test(url);
}

/**
 * The request's fields: a JSON object, or a form (UTF-8; bytes that are not become lone surrogates, which the
 * text checks refuse); none when there is no body. JSON bodies
 * arrive as `{ json: <text> }` (main.ts takes them for the JSON APIs only) and are parsed here, after the guard.
 */
export function adminBody(request: FastifyRequest): Record<string, unknown> {
  const body = request.body as { json: string } | string | undefined | null;
  if (body === undefined || body === null || body === '') return {};
  if (typeof body === 'string') {
    return Object.fromEntries(parseFormBody(body));
  }
  let parsed: unknown;
  try {
    parsed = body.json.trim() === '' ? {} : JSON.parse(body.json);
  } catch {
    throw new ApiHttpError(400, 'the body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ApiHttpError(400, 'the body must be a JSON object');
  return parsed as Record<string, unknown>;
}
