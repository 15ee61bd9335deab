import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { readEnvelope, readUsageRange, type RawParams } from '@openplay/core';
import { UsageQuery, type Drm } from '@openplay/database';
import { ApiHttpError, requestParams } from '@openplay/nest-kit';
import type { FastifyRequest } from 'fastify';
import { AccountGate } from '../auth/account-gate';
import { ApiCustomerUsage } from './usage-docs';
import { usageResponse, type UsageResponse } from './usage-response';

const DRMS: readonly string[] = ['wv', 'fp', 'ck'];
const PARAMS = ['from', 'to', 'drm'] as const;

/**
 * `GET /cmiapi/usage`: the account's own hourly usage (docs/api.md). Authenticated as record retrieval
 * (errorFormat, customerAuthenticator: -3004, -2017, -2018, -2031); bad from/to/drm are 400 as its range is.
 */
@ApiTags('records')
@Controller('cmiapi/usage')
export class UsageController {
  constructor(
    @Inject(AccountGate) private readonly gate: AccountGate,
    @Inject(UsageQuery) private readonly usage: UsageQuery,
  ) {}

  @Get()
  @Header('content-type', 'application/json; charset=utf-8')
  @Header('cache-control', 'no-store')
  @ApiCustomerUsage()
  async get(@Req() request: FastifyRequest): Promise<UsageResponse> {
    const params = requestParams(request.url, request.body);
    const account = await this.gate.authenticate(readEnvelope(params).authenticator);
    const given = readParams(params);
    const range = readUsageRange(given.get('from'), given.get('to'));
    if (typeof range === 'string') throw new ApiHttpError(400, range);
    const drm = given.get('drm');
    if (drm !== undefined && !DRMS.includes(drm)) throw new ApiHttpError(400, 'drm must be wv, fp or ck');
    return usageResponse(this.usage, account, range, drm as Drm | undefined);
  }
}

function readParams(params: RawParams): Map<string, string> {
  const given = new Map<string, string>();
  for (const [name, value] of params) {
    if (!(PARAMS as readonly string[]).includes(name)) continue;
    if (given.has(name) && given.get(name) !== value)
      throw new ApiHttpError(400, `${name} is given more than once with different values`);
    given.set(name, value);
  }
  return given;
}
