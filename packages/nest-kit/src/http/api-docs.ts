import { applyDecorators } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiResponse, type OpenAPIObject, type SchemaObject, SwaggerModule } from '@nestjs/swagger';

/** The API's JSON error body (errors/render-error.ts), for the error answers of the documents. */
export const API_ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'integer', example: -2018 },
    message: { type: 'string', example: '[-2018] Authentication token invalid: unknown account or secret' },
  },
};

/**
 * Error answers of an operation: status → when it happens, each in the API's error shape (JSON; with `html`, the
 * HTML page carrying the same code and message too, for endpoints that honour `errorFormat`).
 */
export function ApiErrorResponses(
  errors: Readonly<Record<number, string>>,
  options: { readonly schema?: SchemaObject; readonly html?: boolean } = {},
): MethodDecorator {
  const json = { 'application/json': { schema: options.schema ?? API_ERROR_SCHEMA } };
  const content = options.html
    ? {
        ...json,
        'text/html': { schema: { type: 'string', description: 'The same code and message as an HTML page.' } },
      }
    : json;
  return applyDecorators(
    ...Object.entries(errors).map(([status, description]) =>
      ApiResponse({ status: Number(status), description, content }),
    ),
  );
}

/**
 * The OpenAPI document @nestjs/swagger scans from the app's controllers, at `/docs/json`, and Swagger UI at `/docs`
 * (its files by @fastify/static from swagger-ui-dist). The document is built on the first request for it, so an
 * app nobody asks for documentation pays nothing at start-up.
 */
export function serveApiDocs(app: NestFastifyApplication, config: Omit<OpenAPIObject, 'paths'>): void {
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), {
    jsonDocumentUrl: 'docs/json',
    raw: ['json'],
    customSiteTitle: `${config.info.title} API`,
  });
}
