import { ApiProperty } from '@nestjs/swagger';
import { MAX_CREDITS } from '@openplay/core';
import type { AccountView } from '@openplay/database';

// What the admin API answers (and the CLI prints with --json), as the OpenAPI document shows it.

/** An account as JSON: credits as a number (at most MAX_CREDITS, so exact), null = unlimited. */
export function plainAccount(account: AccountView) {
  return { ...account, credits: account.credits === null ? null : Number(account.credits) };
}

export class AdminErrorJson {
  @ApiProperty({ type: 'integer', description: 'the HTTP status', example: 400 })
  code!: number;

  @ApiProperty({
    description: '`[<status>] ` and what was refused, naming the field',
    example: '[400] name must be a non-empty string of at most 200 characters',
  })
  message!: string;
}

export class AccountJson {
  @ApiProperty({ type: 'integer', description: 'internal id' })
  id!: number;

  @ApiProperty({ type: 'integer', description: 'the public six-digit account number', example: 431907 })
  number!: number;

  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: ['active', 'disabled'] })
  status!: 'active' | 'disabled';

  @ApiProperty({
    type: 'integer',
    nullable: true,
    minimum: 0,
    maximum: Number(MAX_CREDITS),
    description: 'null = unlimited',
  })
  credits!: number | null;

  @ApiProperty()
  widevineEnabled!: boolean;

  @ApiProperty()
  fairplayAuthorized!: boolean;

  @ApiProperty()
  fairplayEnabled!: boolean;

  @ApiProperty()
  clearKeyEnabled!: boolean;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description:
      "most live streams, Widevine and FairPlay together, across all the account's tokens and users (null: no account-wide limit)",
  })
  maxStreams!: number | null;

  @ApiProperty({ enum: ['deny', 'stopOldest'], nullable: true, description: 'set with maxStreams' })
  streamLimitMode!: 'deny' | 'stopOldest' | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'devices per user (cookie) of tokens without a device limit of their own (null: none)',
  })
  maxDevices!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'seconds; set with maxDevices' })
  deviceWindow!: number | null;
}

export class AuthenticatorJson {
  @ApiProperty({ type: 'integer' })
  id!: number;

  @ApiProperty({ enum: ['test', 'production'] })
  environment!: 'test' | 'production';

  @ApiProperty({ type: 'string', nullable: true })
  label!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  revokedAt!: string | null;
}

export class AccountWithAuthenticatorsJson extends AccountJson {
  @ApiProperty({ type: [AuthenticatorJson], description: 'never their secrets' })
  authenticators!: AuthenticatorJson[];
}

export class AuthenticatorPairJson {
  @ApiProperty({ description: '`<number>,<32 hex>`', example: '431907,1ad8eed133edf43cbcc185f0236828ae' })
  test!: string;

  @ApiProperty({ description: '`<number>,<32 hex>`' })
  production!: string;
}

export class CreatedAccountJson {
  @ApiProperty({ type: 'integer', example: 431907 })
  account!: number;

  @ApiProperty({ type: AuthenticatorPairJson, description: 'shown now and never again' })
  authenticators!: AuthenticatorPairJson;
}

export class AddedAuthenticatorJson extends AuthenticatorJson {
  @ApiProperty({ description: '`<number>,<32 hex>`, shown now and never again' })
  authenticator!: string;
}

export class RevokedJson {
  @ApiProperty({ type: 'integer', description: 'the revoked authenticator id', example: 7 })
  revoked!: number;
}

/** An audit record as the admin's logs show it (records/record-view.ts: adminRecordView). */
export class AdminRecordJson {
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'the account the record belongs to (null: the request named no existing account)',
  })
  account!: number | null;

  @ApiProperty({
    description: 'the event id (64-bit, as a decimal string); `id=` of record retrieval',
    example: '1042',
  })
  id!: string;

  @ApiProperty({ type: 'string', format: 'date-time', description: 'RFC 3339, UTC' })
  time!: string;

  @ApiProperty({ enum: ['issuance', 'redemption'] })
  kind!: 'issuance' | 'redemption';

  @ApiProperty({ enum: ['wv', 'fp', 'ck'], nullable: true })
  drm!: 'wv' | 'fp' | 'ck' | null;

  @ApiProperty({ enum: ['test', 'production'] })
  environment!: 'test' | 'production';

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: "the token's id (32 hex digits); null when no token was issued",
  })
  tokenId!: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'the content key ID, hex' })
  kid!: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  cookie!: string | null;

  @ApiProperty({ type: 'integer', description: "0 on success, else the spec's code" })
  resultCode!: number;

  @ApiProperty({ type: 'string', nullable: true })
  message!: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  clientAddress!: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  userAgent!: string | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    required: false,
    description: 'redemptions only: new, renewal, release (Widevine), ckc (FairPlay); new, release (Clear Key)',
  })
  requestType?: string | null;

  @ApiProperty({
    type: 'object',
    nullable: true,
    selfRequired: false,
    additionalProperties: true,
    description: 'redemptions only: what the challenge or SPC told of the device',
  })
  device?: unknown;
}
