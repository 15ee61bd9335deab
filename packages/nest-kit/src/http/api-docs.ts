import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface ApiDocsOptions {
  /** The page's title. */
  readonly title: string;
  /**
   * Swagger UI's static files (the `swagger-ui-dist` package that @nestjs/swagger depends on), or null to serve
   * the JSON document at /docs as well. @nestjs/swagger's own UI needs @fastify/static on Fastify, which this
   * project does not install; the few files the page loads are served from memory here instead.
   */
  readonly swaggerUiDir: string | null;
}

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/**
 * The app's OpenAPI document at `/docs/json` and Swagger UI at `/docs`. `document` is called once, on the first
 * request, so an app that nobody asks for its documentation pays nothing at start-up.
 */
export function serveApiDocs(app: NestFastifyApplication, document: () => object, options: ApiDocsOptions): void {
  const fastify = app.getHttpAdapter().getInstance();
  let json: string | undefined;
  const sendJson = (_request: unknown, reply: { type(t: string): { send(body: string): unknown } }) =>
    reply.type('application/json; charset=utf-8').send((json ??= JSON.stringify(document())));
  fastify.get('/docs/json', sendJson);
  const dir = options.swaggerUiDir;
  if (dir === null) {
    fastify.get('/docs', sendJson);
    return;
  }
  const cache = new Map<string, Buffer>();
  for (const [file, type] of Object.entries(ASSETS)) {
    fastify.get(`/docs/${file}`, (_request, reply) => {
      let body = cache.get(file);
      if (!body) cache.set(file, (body = readFileSync(path.join(dir, file))));
      return reply.type(type).header('cache-control', 'public, max-age=86400').send(body);
    });
  }
  const page = swaggerUiPage(options.title);
  fastify.get('/docs', (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
}

function swaggerUiPage(title: string): string {
  const escaped = title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${escaped}</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="/docs/favicon-16x16.png" sizes="16x16">
  <style>body { margin: 0; background: #fafafa; }</style>
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script>
    window.onload = function () {
      window.ui = SwaggerUIBundle({
        url: '/docs/json',
        dom_id: '#swagger-ui',
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
        layout: 'StandaloneLayout',
      });
    };
  </script>
</body>
</html>
`;
}
