import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, type OperationObject, type PathItemObject, type PathsObject, type ResponseObject, type SchemaObject } from '@nestjs/swagger';
import { RECORDS_COOKIE_LIMIT, RECORDS_DEFAULT_LENGTH, RECORDS_MAX_LENGTH, RECORDS_MAX_START } from '../records/record-query';

// The OpenAPI description of token-gen's endpoints: the spec's parameter tables (docs/api.md §2),
// record retrieval and the admin API. Controllers apply these decorators; docs/openapi.ts serves the document.

export const ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  description:
    'The spec\'s JSON error (errorFormat=json; an HTML page carrying the same code and message otherwise). Spec codes are negative; errors ' +
    'outside the spec\'s catalog (bad record query, 404, 405, 408, 413, 414, 415, 431, 500, 503, the admin API) carry their HTTP status as a positive code.',
  required: ['code', 'message'],
  properties: {
    code: { type: 'integer', example: -2018 },
    message: { type: 'string', example: '[-2018] Authentication token invalid: unknown account or secret' },
  },
};

interface TokenParameter {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
  readonly drms: 'wv' | 'fp' | 'both';
  readonly repeat?: boolean;
}

const AUTHENTICATOR: TokenParameter = {
  name: 'customerAuthenticator',
  drms: 'both',
  required: true,
  description: 'The account\'s authenticator for this deployment\'s environment, `<account number>,<32 hex digits>` (missing: -2017; wrong, or the other environment\'s: -2018; account disabled: -2031).',
};
const ERROR_FORMAT: TokenParameter = {
  name: 'errorFormat',
  drms: 'both',
  description: '`html` (default) or `json`: how errors are rendered (any other value: -3004).',
};

/** Spec §2.1–2.5, in the table's order; `drms` says which endpoint takes the parameter. */
export const TOKEN_PARAMETERS: readonly TokenParameter[] = [
  AUTHENTICATOR,
  ERROR_FORMAT,
  { name: 'kid', drms: 'both', description: 'Content key ID: 32 hex digits, or `^name` (at most 64 characters after `^`; the kid is the first 16 bytes of SHA-1(name)). Required for Widevine (-4018); -4020, -4021, -4022.' },
  { name: 'contentKey', drms: 'both', description: 'The 16-byte content key as 32 hex digits (-2005, -2027). Required unless `kek`+`ek`, or `kek`+`kid` (a key in key storage), is given.' },
  { name: 'kek', drms: 'both', description: 'Key-encryption key (32 hex digits): with `ek`, the content key wrapped by AES Key Wrap (RFC 3394); with `kid` alone, unwraps the key held in key storage (-4019, -4024). FairPlay: `kid` or `ek`, not both.' },
  { name: 'ek', drms: 'both', description: 'The content key wrapped with `kek` (RFC 3394), 48 hex digits (-4024).' },
  { name: 'contentId', drms: 'wv', description: 'Content ID carried into the license (-6005).' },
  { name: 'securityLevel', drms: 'wv', required: true, description: 'Widevine security level 1–5: 1 SW_SECURE_CRYPTO … 5 HW_SECURE_ALL (missing: -7003, invalid: -7004).' },
  { name: 'hdcpOutputControl', drms: 'wv', required: true, description: '0 HDCP_NONE, 1 HDCP_V1, 2 HDCP_V2 (missing: -7006, invalid: -2034).' },
  { name: 'licenseDuration', drms: 'wv', description: 'Seconds of playback after it starts; absent or 0 = unlimited (-7007).' },
  { name: 'wvExtension', drms: 'wv', repeat: true, description: 'Extension, short form `type,payload`: a 4-character type and a Base64 payload (-2036, -2037, -7009). Repeatable.' },
  { name: 'iv', drms: 'fp', required: true, description: 'The content IV, 32 hex digits (-6003).' },
  { name: 'rentalDuration', drms: 'fp', description: 'Rental (lease) duration in seconds; default 0 (-6007).' },
  { name: 'fpExtension', drms: 'fp', repeat: true, description: 'Extension, short form `type,payload` (-6001). Repeatable.' },
  { name: 'rightsType', drms: 'fp', description: '`BuyToOwn` or `Rental` (-2021). The output protection levels `analogVideoOPL`, `compressedDigitalAudioOPL`, `compressedDigitalVideoOPL`, `uncompressedDigitalAudioOPL`, `uncompressedDigitalVideoOPL` of the spec\'s example are accepted and ignored.' },
  { name: 'generalFlags', drms: 'both', description: 'License flags, 4-byte hex; only `0000` (-5003).' },
  { name: 'expirationTime', drms: 'both', description: 'Token expiry: RFC 3339 UTC (`2026-04-14T12:01:10Z`) or `+seconds` from issuance (send `%2B60`). At most, and by default, 30 days (-2002).' },
  { name: 'cookie', drms: 'both', description: 'At most 32 characters, carried in the token and written to the issuance and redemption records (-2033); see /cmiapi/getrecord.' },
];

/**
 * `/hms/wv/token` and `/hms/fp/token`, each with its DRM's parameters. Written as OpenAPI paths rather than
 * decorators: the controller's route `hms/:drm(wv|fp)/token` is a pattern @nestjs/swagger's scanner cannot
 * read (path-to-regexp 8), so the controller is excluded from the scan and these paths are added instead.
 */
export function tokenEndpointPaths(): PathsObject {
  return Object.fromEntries((['wv', 'fp'] as const).map((drm) => [`/hms/${drm}/token`, tokenPath(drm)]));
}

function tokenPath(drm: 'wv' | 'fp'): PathItemObject {
  const name = drm === 'wv' ? 'Widevine' : 'FairPlay';
  const parameters = TOKEN_PARAMETERS.filter((p) => p.drms === 'both' || p.drms === drm);
  const schemaOf = (p: TokenParameter): SchemaObject =>
    p.repeat ? { type: 'array', items: { type: 'string' }, description: p.description } : { type: 'string', description: p.description };
  const operation = (method: 'GET' | 'POST'): OperationObject => ({
    tags: ['tokens'],
    operationId: `${method.toLowerCase()}${name}Token`,
    summary: `A token redeemable for a ${name} ${drm === 'wv' ? 'license' : 'CKC'} (${method})`,
    description:
      'Checks run in a fixed order: errorFormat, customerAuthenticator, the account (status, DRM switches, balance), the license parameters, the content key. ' +
      'A single-valued parameter given twice is invalid. Every request leaves one issuance record (see /cmiapi/getrecord). Full rules: packages/core/README.md.' +
      (method === 'POST' ? ' POST takes the same parameters in an application/x-www-form-urlencoded body; query parameters are merged in.' : ''),
    ...(method === 'GET'
      ? {
          parameters: parameters.map((p) => ({
            name: p.name,
            in: 'query',
            required: p.required ?? false,
            description: p.description,
            schema: p.repeat ? { type: 'array', items: { type: 'string' } } : { type: 'string' },
            ...(p.repeat ? { style: 'form', explode: true } : {}),
          })),
        }
      : {
          requestBody: {
            required: true,
            content: {
              'application/x-www-form-urlencoded': {
                schema: {
                  type: 'object',
                  required: parameters.filter((p) => p.required).map((p) => p.name),
                  properties: Object.fromEntries(parameters.map((p) => [p.name, schemaOf(p)])),
                },
              },
            },
          },
        }),
    responses: {
      200: {
        description: 'The license acquisition URL, `<RIGHTS_PUBLIC_URL>/hms/' + drm + '/rights/?ExpressPlayToken=<token>`, without a line break.',
        content: { 'text/uri-list': { schema: { type: 'string', example: `http://localhost:8081/hms/${drm}/rights/?ExpressPlayToken=AQE…` } } },
      },
      400: errorResponse('Invalid parameters, no credits left (-2019), a DRM switched off: the spec\'s code.'),
      401: errorResponse('-2017, -2018, -2031.'),
      405: errorResponse('HEAD, which would issue a token: `Allow: GET, POST` (code 405).'),
      408: errorResponse('Head or body slower than HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS (code 408); the connection closes.'),
      413: errorResponse('Body over MAX_BODY_BYTES (code 413).'),
      414: errorResponse('Request line over HTTP_MAX_HEADER_BYTES (code 414); the connection closes.'),
      415: errorResponse('A body that is not a form (code 415).'),
      431: errorResponse('Request head over HTTP_MAX_HEADER_BYTES (code 431); the connection closes.'),
      503: errorResponse('The database is down or not answering (`Retry-After: 2`), or the instance is over HTTP_MAX_CONNECTIONS (`Retry-After: 1`; the connection closes): code 503, retry later.'),
    },
  });
  return { get: operation('GET'), post: operation('POST') };
}

function errorResponse(description: string): ResponseObject {
  return {
    description,
    content: { 'application/json': { schema: ERROR_SCHEMA }, 'text/html': { schema: { type: 'string', description: 'The same code and message as an HTML page.' } } },
  };
}

export const RECORD_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['id', 'time', 'kind', 'drm', 'environment', 'tokenId', 'kid', 'cookie', 'resultCode', 'message', 'clientAddress', 'userAgent'],
  properties: {
    id: { type: 'string', description: 'The event id (64-bit, as a decimal string); `id=` of record retrieval.', example: '1042' },
    time: { type: 'string', format: 'date-time', description: 'RFC 3339, UTC.' },
    kind: { type: 'string', enum: ['issuance', 'redemption'] },
    drm: { type: 'string', enum: ['wv', 'fp'], nullable: true },
    environment: { type: 'string', enum: ['test', 'production'] },
    tokenId: { type: 'string', nullable: true, description: 'The token\'s id (32 hex digits); null when no token was issued.' },
    kid: { type: 'string', nullable: true, description: 'The content key ID, hex.' },
    cookie: { type: 'string', nullable: true },
    resultCode: { type: 'integer', description: '0 on success, else the spec\'s code.' },
    message: { type: 'string', nullable: true },
    clientAddress: { type: 'string', nullable: true },
    userAgent: { type: 'string', nullable: true },
    requestType: { type: 'string', nullable: true, description: 'Redemptions only: new, renewal, release (Widevine), ckc (FairPlay).' },
    device: { type: 'object', nullable: true, additionalProperties: true, description: 'Redemptions only: what the challenge or SPC told of the device.' },
  },
};

const RECORD_QUERY_PARAMETERS = [
  ApiQuery({ name: AUTHENTICATOR.name, required: true, description: AUTHENTICATOR.description, schema: { type: 'string' } }),
  ApiQuery({ name: ERROR_FORMAT.name, required: false, description: ERROR_FORMAT.description, schema: { type: 'string', enum: ['html', 'json'] } }),
  ApiQuery({ name: 'cookie', required: false, description: `The records of this cookie (the newest ${RECORDS_COOKIE_LIMIT}).`, schema: { type: 'string', maxLength: 32 } }),
  ApiQuery({ name: 'id', required: false, description: 'One record by its event id (404 when the account has no such record).', schema: { type: 'string', pattern: '^[1-9][0-9]*$' } }),
  ApiQuery({ name: 'start', required: false, description: `0-based index of the first record, newest first (0–${RECORDS_MAX_START}).`, schema: { type: 'integer', minimum: 0, maximum: RECORDS_MAX_START, default: 0 } }),
  ApiQuery({ name: 'length', required: false, description: `How many records (1–${RECORDS_MAX_LENGTH}).`, schema: { type: 'integer', minimum: 1, maximum: RECORDS_MAX_LENGTH, default: RECORDS_DEFAULT_LENGTH } }),
];

export function ApiRecordRetrieval(method: 'GET' | 'POST'): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: `${method} the account's issuance and redemption records`,
      description:
        `ExpressPlay's /cmiapi/getrecord/, for trouble-shooting. One mode per request: no mode parameter = the latest ${RECORDS_DEFAULT_LENGTH} records; ` +
        '`start`/`length` = a page, newest first (index 0 = the newest record, so pages shift as records arrive); `cookie` = that cookie\'s records; ' +
        '`id` = one record. Combining modes is a 400. An account sees only its own records.' +
        (method === 'POST' ? ' POST takes the same parameters in an application/x-www-form-urlencoded body.' : ''),
    }),
    ...RECORD_QUERY_PARAMETERS,
    ApiResponse({
      status: 200,
      description: 'The records, newest first. `start` and `length` echo a page; `cookie` or `id` echo those modes.',
      schema: {
        type: 'object',
        required: ['records'],
        properties: {
          start: { type: 'integer' },
          length: { type: 'integer' },
          cookie: { type: 'string' },
          id: { type: 'string' },
          records: { type: 'array', items: RECORD_SCHEMA },
        },
      },
    }),
    ApiResponse({ status: 400, description: 'A bad or repeated mode parameter, or modes combined (code 400), or -3004.', schema: ERROR_SCHEMA }),
    ApiResponse({ status: 401, description: '-2017, -2018, -2031, as for token requests.', schema: ERROR_SCHEMA }),
    ApiResponse({ status: 404, description: '`id` names no record of this account.', schema: ERROR_SCHEMA }),
  );
}
