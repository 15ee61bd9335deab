import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { envelopeParameterDocs, USAGE_MAX_DAYS } from '@openplay/core';
import { ERROR_SCHEMA } from '../docs/api-docs';

/** One hour of one DRM in a usage answer. */
export class UsageHourJson {
  @ApiProperty({ type: 'string', format: 'date-time', description: 'the hour (UTC) the counts are of' })
  hour!: string;

  @ApiProperty({ enum: ['wv', 'fp', 'ck'] })
  drm!: 'wv' | 'fp' | 'ck';

  @ApiProperty({ type: 'integer', description: 'tokens issued' })
  tokens!: number;

  @ApiProperty({ type: 'integer', description: 'licenses, CKCs and Clear Key responses delivered (not releases)' })
  licenses!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'refused requests by result code, e.g. {"-4010":2}',
    example: { '-4010': 2, '-9002': 1 },
  })
  refusals!: Record<string, number>;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description:
      "delivered licenses by the device's security level (Widevine: L1, L2, L3; empty for FairPlay and Clear Key)",
    example: { L1: 3, L3: 37 },
  })
  devicesByLevel!: Record<string, number>;
}

/** The answer of GET /admin/usage and GET /cmiapi/usage. */
export class UsageResponseJson {
  @ApiProperty({ type: 'integer', nullable: true, description: 'the account; null: every account summed' })
  account!: number | null;

  @ApiProperty({ type: 'string', format: 'date-time' })
  from!: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  to!: string;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: "the account's credit balance now; null: unlimited, or every account",
  })
  credits!: number | null;

  @ApiProperty({ type: [UsageHourJson], description: 'hours with activity, ascending (then wv, fp, ck)' })
  hours!: UsageHourJson[];
}

const RANGE_PARAMETERS = [
  ApiQuery({
    name: 'from',
    required: false,
    description: 'Hours from this RFC 3339 date-time (taken down to its hour); default: `to` − 24 hours.',
    schema: { type: 'string', format: 'date-time' },
  }),
  ApiQuery({
    name: 'to',
    required: false,
    description: `Hours before this RFC 3339 date-time; default: now. At most ${USAGE_MAX_DAYS} days after \`from\`.`,
    schema: { type: 'string', format: 'date-time' },
  }),
  ApiQuery({ name: 'drm', required: false, description: 'Only this DRM.', schema: { enum: ['wv', 'fp', 'ck'] } }),
];

/** `GET /cmiapi/usage` for the OpenAPI document. */
export function ApiCustomerUsage(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: "The account's hourly usage: tokens, licenses, refusals by code, licenses by device level",
      description:
        'Counted as the audit records are written (an hourly roll-up, not a scan of the records). ' +
        'Authenticated as record retrieval. Only hours with activity are listed.',
    }),
    ...envelopeParameterDocs().map((doc) =>
      ApiQuery({
        name: doc.name,
        required: doc.required,
        description: doc.description,
        schema: doc.name === 'errorFormat' ? { type: 'string', enum: ['html', 'json'] } : { type: 'string' },
      }),
    ),
    ...RANGE_PARAMETERS,
    ApiResponse({ status: 200, description: 'The hours with activity, ascending.', type: UsageResponseJson }),
    ApiResponse({
      status: 400,
      description: `A bad from, to or drm, or a range over ${USAGE_MAX_DAYS} days (code 400), or -3004.`,
      schema: ERROR_SCHEMA,
    }),
    ApiResponse({ status: 401, description: '-2017, -2018, -2031, as for token requests.', schema: ERROR_SCHEMA }),
  );
}
