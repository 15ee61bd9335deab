import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';
import { envelopeParameterDocs } from '@openplay/core';
import { ERROR_SCHEMA } from '../docs/api-docs';

const AUTHENTICATOR = envelopeParameterDocs().find((doc) => doc.name === 'customerAuthenticator');

const HEX = (digits: number, what: string): SchemaObject => ({
  type: 'string',
  pattern: `^[0-9A-F]{${digits}}$`,
  description: what,
});

/** ExpressPlay's key object as the key store answers it (upper-case hex, RFC 3339 UTC times). */
export const KEY_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['kid', 'kekId', 'ek', 'lastUpdate'],
  properties: {
    kid: HEX(32, 'the 16-byte key ID (a ^name kid is stored as its SHA-1 prefix)'),
    kekId: {
      type: 'string',
      pattern: '^#1\\.[0-9A-F]{40}$',
      description: '"#1." + SHA-1("KEKID_1" + kek hex): names the KEK that wraps ek',
    },
    ek: HEX(48, 'the content key wrapped under the KEK (RFC 3394)'),
    k: HEX(32, 'the content key in clear: only when the request carries the kek that opens it'),
    info: { type: 'string' },
    contentId: { type: 'string' },
    expiration: { type: 'string', format: 'date-time', description: 'informational' },
    lastUpdate: { type: 'string', format: 'date-time' },
  },
};

const KEY_INPUT_SCHEMA: SchemaObject = {
  type: 'object',
  description:
    'All fields optional. kid: 32 hex or ^name (none: random). k: 32 hex, needs the kek. ek (48 hex) with kekId: a key wrapped ' +
    'client-side, stored as given. Neither k nor ek: a random key (POST, needs the kek). null clears info, contentId, expiration.',
  properties: {
    kid: { type: 'string' },
    k: { type: 'string' },
    ek: { type: 'string' },
    kekId: { type: 'string' },
    info: { type: 'string', nullable: true, maxLength: 1024 },
    contentId: { type: 'string', nullable: true, maxLength: 256 },
    expiration: { type: 'string', format: 'date-time', nullable: true },
  },
};

interface KeystoreDoc {
  readonly summary: string;
  readonly description?: string;
  /** The path parameter, if any: one kid, or a comma-separated list. */
  readonly kid?: 'one' | 'list';
  readonly body?: boolean;
  readonly paging?: boolean;
  readonly kek?: string;
  readonly responses: ReadonlyArray<{
    readonly status: number;
    readonly description: string;
    readonly schema?: SchemaObject;
    readonly type?: 'text';
  }>;
}

/** One key store operation for /docs: parameters, body and answers. Errors are JSON everywhere. */
export function ApiKeystore(doc: KeystoreDoc): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: doc.summary, ...(doc.description ? { description: doc.description } : {}) }),
    ApiQuery({
      name: 'customerAuthenticator',
      required: true,
      description: `${AUTHENTICATOR?.description ?? ''} In the query or a form body.`,
    }),
    ...(doc.kek ? [ApiQuery({ name: 'kek', required: false, description: `32 hex: ${doc.kek}` })] : []),
    ...(doc.paging
      ? [
          ApiQuery({ name: 'limit', required: false, description: 'keys per page, 1–1000 (default 100)' }),
          ApiQuery({
            name: 'after',
            required: false,
            description: 'the last kid of the previous page (see the Link header)',
          }),
        ]
      : []),
    ...(doc.kid
      ? [
          ApiParam({
            name: doc.kid === 'one' ? 'kid' : 'kids',
            description: doc.kid === 'one' ? '32 hex or ^name' : '32 hex or ^name; up to 100, comma-separated',
          }),
        ]
      : []),
    ...(doc.body ? [ApiBody({ required: false, schema: KEY_INPUT_SCHEMA })] : []),
    ...doc.responses.map((r) =>
      ApiResponse({
        status: r.status,
        description: r.description,
        ...(r.type === 'text'
          ? { content: { 'text/plain': { schema: { type: 'string' } } } }
          : { schema: r.schema ?? ERROR_SCHEMA }),
      }),
    ),
    ApiResponse({ status: 401, description: '-2017, -2018, -2031, as for token requests', schema: ERROR_SCHEMA }),
  );
}

export const KEY_ERRORS = {
  status: 400,
  description:
    'kid -4018/-4020/-4021/-4022, k -2005/-2027, kek or ek or kekId -4024 (also a kek that does not open the key), contentId -6005, else 400',
} as const;
export const NOT_FOUND = {
  status: 404,
  description: 'the account has no key under this kid (another account’s keys are not there either)',
} as const;
