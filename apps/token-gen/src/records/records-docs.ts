import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { envelopeParameterDocs, MAX_COOKIE_CHARS } from '@openplay/core';
import { ERROR_SCHEMA, RECORD_SCHEMA } from '../docs/api-docs';
import { RECORDS_COOKIE_LIMIT, RECORDS_DEFAULT_LENGTH, RECORDS_MAX_LENGTH, RECORDS_MAX_START } from './record-query';

const RECORD_QUERY_PARAMETERS = [
  ...envelopeParameterDocs().map((doc) =>
    ApiQuery({
      name: doc.name,
      required: doc.required,
      description: doc.description,
      schema: doc.name === 'errorFormat' ? { type: 'string', enum: ['html', 'json'] } : { type: 'string' },
    }),
  ),
  ApiQuery({
    name: 'cookie',
    required: false,
    description: `The records of this cookie (the newest ${RECORDS_COOKIE_LIMIT}).`,
    schema: { type: 'string', maxLength: MAX_COOKIE_CHARS },
  }),
  ApiQuery({
    name: 'id',
    required: false,
    description: 'One record by its event id (404 when the account has no such record).',
    schema: { type: 'string', pattern: '^[1-9][0-9]*$' },
  }),
  ApiQuery({
    name: 'from',
    required: false,
    description:
      'With the latest records or a cookie: only records at or after this RFC 3339 date-time (with its offset).',
    schema: { type: 'string', format: 'date-time' },
  }),
  ApiQuery({
    name: 'to',
    required: false,
    description: 'With the latest records or a cookie: only records before this RFC 3339 date-time (with its offset).',
    schema: { type: 'string', format: 'date-time' },
  }),
  ApiQuery({
    name: 'start',
    required: false,
    description: `0-based index of the first record, newest first (0–${RECORDS_MAX_START}).`,
    schema: { type: 'integer', minimum: 0, maximum: RECORDS_MAX_START, default: 0 },
  }),
  ApiQuery({
    name: 'length',
    required: false,
    description: `How many records (1–${RECORDS_MAX_LENGTH}).`,
    schema: { type: 'integer', minimum: 1, maximum: RECORDS_MAX_LENGTH, default: RECORDS_DEFAULT_LENGTH },
  }),
];

/** `GET|POST /cmiapi/getrecord` for the OpenAPI document; errorFormat and customerAuthenticator come from core's rows. */
export function ApiRecordRetrieval(method: 'GET' | 'POST'): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: `${method} the account's issuance and redemption records`,
      description:
        `ExpressPlay's /cmiapi/getrecord/, for trouble-shooting. One mode per request: no mode parameter = the latest ${RECORDS_DEFAULT_LENGTH} records; ` +
        "`start`/`length` = a page, newest first (index 0 = the newest record, so pages shift as records arrive); `cookie` = that cookie's records; " +
        "`id` = one record. Combining modes is a 400. `from`/`to` narrow the latest records or a cookie's to a time range. An account sees only its own records." +
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
    ApiResponse({
      status: 400,
      description: 'A bad or repeated mode parameter, or modes combined (code 400), or -3004.',
      schema: ERROR_SCHEMA,
    }),
    ApiResponse({ status: 401, description: '-2017, -2018, -2031, as for token requests.', schema: ERROR_SCHEMA }),
    ApiResponse({ status: 404, description: '`id` names no record of this account.', schema: ERROR_SCHEMA }),
  );
}
