import type { SchemaObject } from '@nestjs/swagger';
import { API_ERROR_SCHEMA } from '@openplay/nest-kit';

// Schemas that several of token-gen's controllers answer with (records, key store, admin API). Each operation is
// described by decorators on its controller method, which @nestjs/swagger scans (docs/openapi.ts serves it).

export const ERROR_SCHEMA: SchemaObject = {
  ...API_ERROR_SCHEMA,
  description:
    "The spec's JSON error (errorFormat=json; an HTML page carrying the same code and message otherwise). Spec codes are negative; errors " +
    "outside the spec's catalog (bad record query, 404, 405, 408, 413, 414, 415, 431, 500, 503, the admin API) carry their HTTP status as a positive code.",
};

export const RECORD_SCHEMA: SchemaObject = {
  type: 'object',
  required: [
    'id',
    'time',
    'kind',
    'drm',
    'environment',
    'tokenId',
    'kid',
    'cookie',
    'resultCode',
    'message',
    'clientAddress',
    'userAgent',
  ],
  properties: {
    id: {
      type: 'string',
      description: 'The event id (64-bit, as a decimal string); `id=` of record retrieval.',
      example: '1042',
    },
    time: { type: 'string', format: 'date-time', description: 'RFC 3339, UTC.' },
    kind: { type: 'string', enum: ['issuance', 'redemption'] },
    drm: { type: 'string', enum: ['wv', 'fp'], nullable: true },
    environment: { type: 'string', enum: ['test', 'production'] },
    tokenId: {
      type: 'string',
      nullable: true,
      description: "The token's id (32 hex digits); null when no token was issued.",
    },
    kid: { type: 'string', nullable: true, description: 'The content key ID, hex.' },
    cookie: { type: 'string', nullable: true },
    resultCode: { type: 'integer', description: "0 on success, else the spec's code." },
    message: { type: 'string', nullable: true },
    clientAddress: { type: 'string', nullable: true },
    userAgent: { type: 'string', nullable: true },
    requestType: {
      type: 'string',
      nullable: true,
      description: 'Redemptions only: new, renewal, release (Widevine), ckc (FairPlay).',
    },
    device: {
      type: 'object',
      nullable: true,
      additionalProperties: true,
      description: 'Redemptions only: what the challenge or SPC told of the device.',
    },
  },
};
