import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, type RequestBodyObject, type ResponseObject } from '@nestjs/swagger';
import { API_ERROR_SCHEMA, ApiErrorResponses } from '@openplay/nest-kit';

const ERROR_SCHEMA = {
  ...API_ERROR_SCHEMA,
  description: "The spec's error, always JSON here: spec codes are negative, HTTP-level refusals carry their status.",
};

const REFUSALS: Readonly<Record<number, string>> = {
  400: "A refused request: the spec's code (-2019 no credits left, -6004, -7008 …).",
  401: '-4010 invalid token, -2031 account disabled, -4001 device not authenticated.',
  403:
    "A genuine token's usage rules refuse the request: -9002 use limit reached, -9004 too many simultaneous streams, " +
    '-9005 stream stopped (a renewal or FairPlay lease renewal), -9007 too many devices, -11002 offline license not ' +
    'allowed (docs/api.md §11, §13, §14).',
  408: 'Head or body slower than HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS (code 408); the connection closes.',
  413: 'Body over MAX_BODY_BYTES (code 413).',
  414: 'Request line (a token in the URL) over HTTP_MAX_HEADER_BYTES (code 414); the connection closes.',
  431: 'Request head over HTTP_MAX_HEADER_BYTES (code 431); the connection closes.',
  503: 'The database is down or not answering (`Retry-After: 2`), or the instance is over HTTP_MAX_CONNECTIONS (`Retry-After: 1`; the connection closes): code 503, retry later.',
};

export interface RedemptionDoc {
  readonly summary: string;
  readonly description: string;
  /** Raw challenges and SPCs, in several wire forms: given as OpenAPI, which no DTO class could describe. */
  readonly requestBody: RequestBodyObject;
  readonly ok: ResponseObject;
}

/** A redemption endpoint (`POST /hms/{wv|fp}/rights/?ExpressPlayToken=…`) for the OpenAPI document. */
export function ApiRedemption(doc: RedemptionDoc): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: doc.summary, description: doc.description, requestBody: doc.requestBody }),
    ApiQuery({
      name: 'ExpressPlayToken',
      required: false,
      description:
        "The token, as token-gen's URL carries it (or in an `ExpressPlayToken` header). Missing, altered, expired (a Widevine renewal excepted), or for the other DRM: -4010.",
      schema: { type: 'string' },
    }),
    ApiResponse({ status: 200, ...doc.ok }),
    ApiErrorResponses(REFUSALS, { schema: ERROR_SCHEMA }),
  );
}

/** The API's error shape, for the rights endpoints' other answers. */
export const ApiRightsErrors = (errors: Readonly<Record<number, string>>): MethodDecorator =>
  ApiErrorResponses(errors, { schema: ERROR_SCHEMA });
