import { ApiHideProperty, ApiProperty } from '@nestjs/swagger';
import { MAX_COOKIE_CHARS } from '@openplay/core';
import { ArrayNotEmpty, Matches } from 'class-validator';
import { AccountNumber, Absent, Text, WholeNumber } from './admin-fields';

export const LOGS_DEFAULT_LIMIT = 100;
export const LOGS_MAX_LIMIT = 1000;

/** `GET /admin/logs` (and the CLI's `logs`): audit records by cookie, token id and/or account, all given must match. */
export class LogsQueryDto {
  /** A search names what it is by: the whole log is not a search. */
  @ApiHideProperty()
  @ArrayNotEmpty({ message: 'give a cookie, a token id or an account to search the logs by' })
  get searchBy(): string[] {
    return (['cookie', 'tokenId', 'account'] as const).filter((field) => this[field] !== undefined);
  }

  @Absent()
  @Text(
    { maxChars: MAX_COOKIE_CHARS, minChars: 1, message: () => `a cookie has 1 to ${MAX_COOKIE_CHARS} characters` },
    { description: 'the cookie of the token request', required: false },
  )
  cookie?: string;

  @Absent()
  @Matches(/^[0-9a-fA-F]{32}$/, { message: 'a token id is 32 hex digits' })
  @ApiProperty({
    type: 'string',
    pattern: '^[0-9a-fA-F]{32}$',
    required: false,
    description: "a token's id: its issuance and every redemption of it",
  })
  tokenId?: string;

  @Absent()
  @AccountNumber({ required: false, description: "only this account's records" })
  account?: number;

  @WholeNumber(1, LOGS_MAX_LIMIT, `the limit must be a whole number from 1 to ${LOGS_MAX_LIMIT}`, {
    required: false,
    default: LOGS_DEFAULT_LIMIT,
    description: 'at most this many records, newest first',
  })
  limit: number = LOGS_DEFAULT_LIMIT;
}
