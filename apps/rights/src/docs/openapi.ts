import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, type OperationObject, type ResponseObject, SwaggerModule } from '@nestjs/swagger';
import { serveApiDocs } from '@openplay/nest-kit';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ERROR: ResponseObject['content'] = {
  'application/json': {
    schema: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'integer', example: -4010 }, message: { type: 'string', example: '[-4010] Invalid token: expired' } },
    },
  },
};

const TOKEN_PARAMETER = {
  name: 'ExpressPlayToken',
  in: 'query' as const,
  required: false,
  description: 'The token, as token-gen\'s URL carries it (or in an `ExpressPlayToken` header). Missing, altered, expired, or for the other DRM: -4010.',
  schema: { type: 'string' },
};

const REFUSALS: Record<string, ResponseObject> = {
  400: { description: 'A refused request: the spec\'s code (-2019 no credits left, -6004, -7008 …).', content: ERROR },
  401: { description: '-4010 invalid token, -2031 account disabled, -4001 device not authenticated.', content: ERROR },
  408: { description: 'Head or body slower than HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS (code 408); the connection closes.', content: ERROR },
  413: { description: 'Body over MAX_BODY_BYTES (code 413).', content: ERROR },
  414: { description: 'Request line (a token in the URL) over HTTP_MAX_HEADER_BYTES (code 414); the connection closes.', content: ERROR },
  431: { description: 'Request head over HTTP_MAX_HEADER_BYTES (code 431); the connection closes.', content: ERROR },
  503: { description: 'The database is down or not answering (`Retry-After: 2`), or the instance is over HTTP_MAX_CONNECTIONS (`Retry-After: 1`; the connection closes): code 503, retry later.', content: ERROR },
};

/**
 * What the rights endpoints take and give, merged into the scanned document by path. Kept here rather than in
 * decorators on the controllers: their bodies are raw challenges and SPCs that the scanner cannot describe.
 */
const OPERATIONS: Record<string, Record<string, OperationObject>> = {
  '/hms/wv/rights': {
    post: {
      tags: ['widevine'],
      summary: 'A Widevine license for the token',
      description:
        'The CDM\'s license challenge (a SignedMessage) in, the license (a SignedMessage) out. Renewal and release requests are answered too. ' +
        'A delivered license consumes one credit, in the same transaction as its redemption record. A refusal the CDM can read comes back ' +
        'as a 200 SignedMessage ERROR_RESPONSE with the spec code in `X-ExpressPlay-Error-Code` / `-Message`; send `Accept: application/json` for JSON errors instead.',
      parameters: [TOKEN_PARAMETER],
      requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
      responses: { 200: { description: 'The license.', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, ...REFUSALS },
    },
  },
  '/hms/fp/rights': {
    post: {
      tags: ['fairplay'],
      summary: 'A FairPlay CKC for the token',
      description:
        'The SPC in, the CKC out, in the wire form the SPC came in: raw bytes → raw CKC; form `spc=<base64>` → `<ckc>base64</ckc>`; JSON `{"spc": base64}` → `{"ckc": base64}`. ' +
        'A delivered CKC consumes one credit, in the same transaction as its redemption record.',
      parameters: [TOKEN_PARAMETER],
      requestBody: {
        required: true,
        content: {
          'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
          'application/x-www-form-urlencoded': { schema: { type: 'object', required: ['spc'], properties: { spc: { type: 'string', format: 'byte' } } } },
          'application/json': { schema: { type: 'object', required: ['spc'], properties: { spc: { type: 'string', format: 'byte' } } } },
        },
      },
      responses: {
        200: {
          description: 'The CKC.',
          content: {
            'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
            'text/plain': { schema: { type: 'string', example: '<ckc>AAAA…</ckc>' } },
            'application/json': { schema: { type: 'object', properties: { ckc: { type: 'string', format: 'byte' } } } },
          },
        },
        ...REFUSALS,
      },
    },
  },
  '/hms/fp/cert': {
    get: {
      tags: ['fairplay'],
      summary: 'The FairPlay application certificate (DER), for players that fetch it',
      responses: {
        200: { description: 'The certificate.', content: { 'application/pkix-cert': { schema: { type: 'string', format: 'binary' } } } },
        404: { description: 'No FairPlay credentials are configured.', content: ERROR },
      },
    },
  },
};

/** Overlays OPERATIONS on the scanned paths; a described route that no longer exists is an error, not a silent gap. */
export function describeRightsPaths(document: OpenAPIObject): OpenAPIObject {
  const paths = { ...document.paths };
  for (const [route, methods] of Object.entries(OPERATIONS)) {
    const scanned = paths[route];
    if (!scanned) throw new Error(`the OpenAPI description names ${route}, which the app does not serve`);
    const merged = { ...scanned } as Record<string, OperationObject>;
    for (const [method, operation] of Object.entries(methods)) {
      if (!merged[method]) throw new Error(`the OpenAPI description names ${method.toUpperCase()} ${route}, which the app does not serve`);
      merged[method] = { ...merged[method], ...operation };
    }
    paths[route] = merged;
  }
  return { ...document, paths };
}

/** rights' OpenAPI document (/docs/json) and Swagger UI (/docs). */
export function setUpRightsDocs(app: NestFastifyApplication): void {
  serveApiDocs(
    app,
    () =>
      describeRightsPaths(
        SwaggerModule.createDocument(
          app,
          new DocumentBuilder()
            .setTitle('openplay rights')
            .setDescription('Redeems license tokens from token-gen: Widevine licenses and FairPlay CKCs (ExpressPlay\'s /hms/{wv,fp}/rights/). Errors are JSON.')
            .setVersion(packageVersion())
            .build(),
        ),
      ),
    { title: 'openplay rights API', swaggerUiDir: swaggerUiDir() },
  );
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
}

/** swagger-ui-dist as @nestjs/swagger resolves it (its dependency); null when it is not there. */
function swaggerUiDir(): string | null {
  try {
    return path.dirname(require.resolve('swagger-ui-dist/package.json', { paths: [path.dirname(require.resolve('@nestjs/swagger'))] }));
  } catch {
    return null;
  }
}
