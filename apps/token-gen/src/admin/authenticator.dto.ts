import { ApiProperty } from '@nestjs/swagger';
import { MAX_AUTHENTICATOR_ID, MAX_AUTHENTICATOR_LABEL_CHARS } from '@openplay/core';
import type { Environment } from '@openplay/database';
import { IsIn, IsOptional } from 'class-validator';
import { AccountNumber, named, Text, WholeNumber } from './admin-fields';

const ENVIRONMENTS: readonly Environment[] = ['test', 'production'];

/** `POST /admin/accounts/{number}/authenticators`. */
export class AddAuthenticatorDto {
  @IsIn(ENVIRONMENTS, { message: (args) => `${named(args)} must be test or production` })
  @ApiProperty({ enum: ENVIRONMENTS, description: 'which deployment the authenticator is for' })
  environment!: Environment;

  @IsOptional()
  @Text(
    {
      maxChars: MAX_AUTHENTICATOR_LABEL_CHARS,
      message: (args) => `${named(args)} must be a string of at most ${MAX_AUTHENTICATOR_LABEL_CHARS} characters`,
    },
    { description: 'what the authenticator is for (a rotation, a team)', nullable: true, required: false },
  )
  label: string | null = null;
}

/** `/admin/accounts/{number}/authenticators/{id}`. */
export class AuthenticatorPathDto {
  @AccountNumber()
  number!: number;

  /** Core's bound: ids are PostgreSQL integers, so a larger one names no authenticator and is refused as input. */
  @WholeNumber(1, MAX_AUTHENTICATOR_ID, `give the authenticator id, 1 to ${MAX_AUTHENTICATOR_ID}`, {
    description: 'the authenticator id (see GET /admin/accounts/{number})',
  })
  id!: number;
}
