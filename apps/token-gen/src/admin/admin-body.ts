import { ApiHttpError, parseFormBody } from '@openplay/nest-kit';

const ADMIN_PATH = /^\/admin(\/|\?|$)/;

export function isAdminPath(url: string): boolean {
  return ADMIN_PATH.test(url);
}

/**
 * A request body's fields: a JSON object, or a form (UTF-8; bytes that are not become lone surrogates, which the
 * text checks refuse); none when there is no body. JSON bodies arrive as `{ json: <text> }` (main.ts takes them for
 * the JSON APIs only) and are parsed here, in AdminInputPipe, after the guard.
 */
export function bodyFields(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body === 'string') return Object.fromEntries(parseFormBody(body));
  let parsed: unknown;
  try {
    const { json } = body as { json: string };
    parsed = json.trim() === '' ? {} : JSON.parse(json);
  } catch {
    throw new ApiHttpError(400, 'the body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ApiHttpError(400, 'the body must be a JSON object');
  return parsed as Record<string, unknown>;
}
