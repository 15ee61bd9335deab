import type { ErrorFormat } from '@openplay/core';

export interface RenderedError {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * ExpressPlay's error bodies: JSON `{"code":N,"message":"[N] …"}`, or a small HTML page with the same code
 * and message. Codes are the spec's negative ones; errors below the API (404, 413, 415, 500) carry their
 * HTTP status as a positive code so that a client can always read `code`.
 */
export function renderError(format: ErrorFormat, status: number, code: number, message: string): RenderedError {
  if (format === 'json') {
    return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ code, message }) };
  }
  const text = escapeHtml(message);
  return {
    status,
    contentType: 'text/html; charset=utf-8',
    body:
      `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Error ${code}</title></head>` +
      `<body><h1>Error ${code}</h1><p class="code">${code}</p><p class="message">${text}</p></body></html>\n`,
  };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
