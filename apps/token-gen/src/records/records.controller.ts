import { Controller, Get, Header, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { readEnvelope } from '@openplay/core';
import { AuditQuery } from '@openplay/database';
import { ApiHttpError, requestParams } from '@openplay/nest-kit';
import type { FastifyRequest } from 'fastify';
import { AccountGate } from '../auth/account-gate';
import { ApiRecordRetrieval } from './records-docs';
import { parseRecordQuery, RECORDS_COOKIE_LIMIT, type TimeRange } from './record-query';
import { recordView, type RecordView } from './record-view';

export type RecordsResponse = { readonly records: readonly RecordView[] } & (
  | { readonly start: number; readonly length: number; readonly from?: string; readonly to?: string }
  | { readonly cookie: string; readonly from?: string; readonly to?: string }
  | { readonly id: string }
);

/**
 * `GET|POST /cmiapi/getrecord/`: an account's own issuance and redemption records (ExpressPlay's record
 * retrieval). Authenticated like a token request (errorFormat, then customerAuthenticator: -3004, -2017,
 * -2018, -2031), without the DRM switches or the balance; then the mode parameters (400).
 */
@ApiTags('records')
@Controller('cmiapi/getrecord')
export class RecordsController {
  constructor(
    @Inject(AccountGate) private readonly gate: AccountGate,
    @Inject(AuditQuery) private readonly audit: AuditQuery,
  ) {}

  @Get()
  @Header('content-type', 'application/json; charset=utf-8')
  @Header('cache-control', 'no-store')
  @ApiRecordRetrieval('GET')
  get(@Req() request: FastifyRequest): Promise<RecordsResponse> {
    return this.retrieve(request);
  }

  @Post()
  @HttpCode(200)
  @Header('content-type', 'application/json; charset=utf-8')
  @Header('cache-control', 'no-store')
  @ApiRecordRetrieval('POST')
  post(@Req() request: FastifyRequest): Promise<RecordsResponse> {
    return this.retrieve(request);
  }

  private async retrieve(request: FastifyRequest): Promise<RecordsResponse> {
    const params = requestParams(request.url, request.body);
    const account = await this.gate.authenticate(readEnvelope(params).authenticator);
    const query = parseRecordQuery(params);
    switch (query.mode) {
      case 'latest': {
        const records = await this.audit.latest(account.number, query, query.range);
        return { start: query.start, length: query.length, ...echo(query.range), records: records.map(recordView) };
      }
      case 'cookie': {
        const records = await this.audit.byCookie(account.number, query.cookie, RECORDS_COOKIE_LIMIT, query.range);
        return { cookie: query.cookie, ...echo(query.range), records: records.map(recordView) };
      }
      case 'id': {
        // Another account's record is answered exactly like a missing one.
        const record = await this.audit.byId(account.number, query.id);
        if (!record) throw new ApiHttpError(404, `this account has no record ${query.id}`);
        return { id: query.id.toString(), records: [recordView(record)] };
      }
    }
  }
}

/** The range as asked, in the records' own time format (UTC, milliseconds); absent ends are left out. */
function echo(range: TimeRange): { from?: string; to?: string } {
  return {
    ...(range.from ? { from: range.from.toISOString() } : {}),
    ...(range.to ? { to: range.to.toISOString() } : {}),
  };
}
