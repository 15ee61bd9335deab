import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  type SchemaObject,
} from '@nestjs/swagger';
import { type Drm, type ParameterDoc, tokenParameterDocs } from '@openplay/core';
import { ApiErrorResponses } from '@openplay/nest-kit';
import { ERROR_SCHEMA } from '../docs/api-docs';

const DRM_NAMES: Record<Drm, { readonly name: string; readonly operation: string; readonly product: string }> = {
  wv: { name: 'Widevine', operation: 'Widevine', product: 'license' },
  fp: { name: 'FairPlay', operation: 'FairPlay', product: 'CKC' },
  ck: { name: 'Clear Key', operation: 'ClearKey', product: 'license (a JSON Web Key Set)' },
};

const CHECK_ORDER =
  'Checks run in a fixed order: errorFormat, customerAuthenticator, the account (status, DRM switches, balance), the license parameters, ' +
  'the content key. A single-valued parameter given twice with different values is invalid. Every request leaves one issuance record ' +
  '(see /cmiapi/getrecord). Full rules: packages/core/README.md.';

const schemaOf = (doc: ParameterDoc): SchemaObject =>
  doc.maxCount > 1 ? { type: 'array', items: { type: 'string' }, maxItems: doc.maxCount } : { type: 'string' };

/**
 * `GET|POST /hms/{wv|fp|ck}/token` for the OpenAPI document. The parameters are read off core's rule table
 * (tokenParameterDocs), the one the parser runs: as query parameters for GET, as a form body's fields for POST.
 */
export function ApiTokenRequest(drm: Drm, method: 'GET' | 'POST'): MethodDecorator {
  const { name, operation, product } = DRM_NAMES[drm];
  const docs = tokenParameterDocs(drm);
  const parameters =
    method === 'GET'
      ? docs.map((doc) =>
          ApiQuery({
            name: doc.name,
            required: doc.required,
            description: doc.description,
            schema: schemaOf(doc),
            ...(doc.maxCount > 1 ? { style: 'form' as const, explode: true } : {}),
          }),
        )
      : [
          ApiConsumes('application/x-www-form-urlencoded'),
          ApiBody({
            required: true,
            schema: {
              type: 'object',
              required: docs.filter((doc) => doc.required).map((doc) => doc.name),
              properties: Object.fromEntries(
                docs.map((doc) => [doc.name, { ...schemaOf(doc), description: doc.description }]),
              ),
            },
          }),
        ];
  return applyDecorators(
    ApiOperation({
      operationId: `${method.toLowerCase()}${operation}Token`,
      summary: `A token redeemable for a ${name} ${product} (${method})`,
      description:
        CHECK_ORDER +
        (method === 'POST'
          ? ' POST takes the same parameters in an application/x-www-form-urlencoded body; query parameters are merged in.'
          : ''),
    }),
    ...parameters,
    ApiProduces('text/uri-list'),
    ApiResponse({
      status: 200,
      description: `The license acquisition URL, \`<RIGHTS_PUBLIC_URL>/hms/${drm}/rights/?ExpressPlayToken=<token>\`, without a line break.`,
      content: {
        'text/uri-list': {
          schema: { type: 'string', example: `http://localhost:8081/hms/${drm}/rights/?ExpressPlayToken=AQE…` },
        },
      },
    }),
    ApiErrorResponses(
      {
        400: "Invalid parameters, no credits left (-2019), a DRM switched off: the spec's code.",
        401: '-2017, -2018, -2031.',
        405: 'HEAD, which would issue a token: `Allow: GET, POST` (code 405).',
        408: 'Head or body slower than HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS (code 408); the connection closes.',
        413: 'Body over MAX_BODY_BYTES (code 413).',
        414: 'Request line over HTTP_MAX_HEADER_BYTES (code 414); the connection closes.',
        415: 'A body that is not a form (code 415).',
        431: 'Request head over HTTP_MAX_HEADER_BYTES (code 431); the connection closes.',
        503: 'The database is down or not answering (`Retry-After: 2`), or the instance is over HTTP_MAX_CONNECTIONS (`Retry-After: 1`; the connection closes): code 503, retry later.',
      },
      { schema: ERROR_SCHEMA, html: true },
    ),
  );
}
