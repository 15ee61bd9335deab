import { ApiHideProperty } from '@nestjs/swagger';
import { MAX_ACCOUNT_NAME_CHARS } from '@openplay/core';
import { ArrayNotEmpty, type ValidationArguments } from 'class-validator';
import { AccountNumber, Absent, Credits, named, Switch, Text } from './admin-fields';

// The admin API's account bodies and path (the CLI fills the same classes from its arguments).

const NAME = {
  maxChars: MAX_ACCOUNT_NAME_CHARS,
  minChars: 1,
  trim: true,
  message: (args: ValidationArguments) =>
    `${named(args)} must be a non-empty string of at most ${MAX_ACCOUNT_NAME_CHARS} characters`,
};

/** `/admin/accounts/{number}`. */
export class AccountPathDto {
  @AccountNumber()
  number!: number;
}

/** `POST /admin/accounts`. */
export class CreateAccountDto {
  @Text(NAME, { description: "the customer's name" })
  name!: string;

  @Credits(false)
  credits: bigint | null = null;

  @Switch('Widevine enabled (default true; off: -7011)')
  widevine: boolean = true;

  @Switch('FairPlay authorized and enabled (default true; off: -6006)')
  fairplay: boolean = true;

  @Switch('Clear Key enabled (default true; off: -8001)')
  clearKey: boolean = true;
}

/** `PUT /admin/accounts/{number}/credits`. */
export class SetCreditsDto {
  @Credits(true)
  credits!: bigint | null;
}

/** `PATCH /admin/accounts/{number}/options`: what is given changes, the rest stays. */
export class SetOptionsDto {
  @Absent()
  @Switch('Widevine enabled (off: -7011)')
  widevineEnabled?: boolean;

  @Absent()
  @Switch('FairPlay authorized for this account (off: -6006)')
  fairplayAuthorized?: boolean;

  @Absent()
  @Switch('FairPlay enabled (off: -6009)')
  fairplayEnabled?: boolean;

  @Absent()
  @Switch('Clear Key enabled (off: -8001)')
  clearKeyEnabled?: boolean;

  @Absent()
  @Text(NAME, { description: 'a new name', required: false })
  name?: string;

  /** The fields given: a call that changes nothing is refused. */
  @ApiHideProperty()
  @ArrayNotEmpty({
    message:
      'give at least one of {widevineEnabled}, {fairplayAuthorized}, {fairplayEnabled}, {clearKeyEnabled}, {name}',
  })
  get changes(): string[] {
    return (['widevineEnabled', 'fairplayAuthorized', 'fairplayEnabled', 'clearKeyEnabled', 'name'] as const).filter(
      (field) => this[field] !== undefined,
    );
  }
}
