import { ApiHideProperty, ApiProperty } from '@nestjs/swagger';
import {
  DEFAULT_DEVICE_WINDOW,
  MAX_ACCOUNT_NAME_CHARS,
  MAX_ACCOUNT_STREAMS,
  MAX_DEVICE_WINDOW,
  MAX_DEVICES,
  MIN_DEVICE_WINDOW,
} from '@openplay/core';
import { ArrayNotEmpty, IsIn, type ValidationArguments } from 'class-validator';
import {
  AccountNumber,
  Absent,
  ClearableLimit,
  Credits,
  named,
  Switch,
  Text,
  WholeNumber,
  WithLimit,
} from './admin-fields';

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

export const STREAM_LIMIT_MODES = ['deny', 'stopOldest'] as const;

/**
 * `PATCH /admin/accounts/{number}/limits` (docs/decisions/0023-account-stream-limits.md): each limit given is set with
 * its mode or window (their defaults when absent), or cleared with null; a limit not given stays as it is.
 */
export class SetLimitsDto {
  @Absent()
  @ClearableLimit(
    1,
    MAX_ACCOUNT_STREAMS,
    "live streams at once, Widevine and FairPlay together, across all the account's tokens and users",
  )
  maxStreams?: number | null;

  @Absent()
  @WithLimit('maxStreams')
  @IsIn(STREAM_LIMIT_MODES, { message: (args) => `${named(args)} must be deny or stopOldest` })
  @ApiProperty({
    enum: STREAM_LIMIT_MODES,
    required: false,
    description:
      'with a number in maxStreams: deny (the default) refuses a new stream at the limit (-9004), stopOldest stops the oldest',
  })
  streamLimitMode?: (typeof STREAM_LIMIT_MODES)[number];

  @Absent()
  @ClearableLimit(1, MAX_DEVICES, 'devices per user (cookie) of tokens that carry no device limit of their own')
  maxDevices?: number | null;

  @Absent()
  @WithLimit('maxDevices')
  @WholeNumber(
    MIN_DEVICE_WINDOW,
    MAX_DEVICE_WINDOW,
    `{deviceWindow} must be a whole number of seconds, ${MIN_DEVICE_WINDOW} to ${MAX_DEVICE_WINDOW}`,
    {
      required: false,
      description: `with a number in maxDevices: seconds a device counts after its last license (default ${DEFAULT_DEVICE_WINDOW}, 30 days)`,
    },
  )
  deviceWindow?: number;

  /** The limits given: a call that changes nothing is refused. */
  @ApiHideProperty()
  @ArrayNotEmpty({ message: 'give at least one of {maxStreams}, {maxDevices}' })
  get changes(): string[] {
    return (['maxStreams', 'maxDevices'] as const).filter((field) => this[field] !== undefined);
  }
}
