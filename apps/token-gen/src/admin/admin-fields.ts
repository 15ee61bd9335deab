import { applyDecorators } from '@nestjs/common';
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { isUnsafeText, MAX_ACCOUNT_NUMBER, MAX_CREDITS } from '@openplay/core';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, Max, Min, ValidateBy, ValidateIf, type ValidationArguments } from 'class-validator';

// The admin DTOs' field types: how an operator's text or JSON becomes a value (class-transformer), what is refused
// (class-validator), and how the OpenAPI document shows it. Messages write a field's name in braces (`{name}`):
// parseAdminInput names it as the caller does (the API's field, the CLI's flag). Within a field, checks run in the
// order written here (class-validator runs them in registration order), so the first message is the most basic one.

/** `{property}`, for parseAdminInput to name. */
export const named = (args: ValidationArguments) => `{${args.property}}`;

/** The field may be absent (no default); null is a value, refused unless the field says otherwise. */
export const Absent = () => ValidateIf((_object, value) => value !== undefined);

/** Decimal digits as operators type them (paths, queries, flags): no sign, exponent, spaces or hex. */
const DIGITS = /^[0-9]{1,20}$/;
const digitsToNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && DIGITS.test(value) ? Number(value) : value;

/** A whole number from `min` to `max` written in digits; anything else gets `message`. */
export function WholeNumber(
  min: number,
  max: number,
  message: string,
  api: ApiPropertyOptions = {},
): PropertyDecorator {
  return applyDecorators(
    Transform(digitsToNumber),
    IsInt({ message }),
    Min(min, { message }),
    Max(max, { message }),
    ApiProperty({ type: 'integer', minimum: min, maximum: max, ...api }),
  );
}

/** An account number (core's bound: a PostgreSQL integer); a well-formed number of no account is a 404 later. */
export function AccountNumber(api: ApiPropertyOptions = {}): PropertyDecorator {
  return WholeNumber(0, MAX_ACCOUNT_NUMBER, 'give the account number', {
    description: 'the account number',
    example: 431907,
    ...api,
  });
}

const SWITCH_WORDS = new Map<unknown, boolean>([
  [true, true],
  ['on', true],
  ['true', true],
  [false, false],
  ['off', false],
  ['false', false],
]);

/** A switch: a JSON boolean, or on/off/true/false (forms, the CLI). */
export function Switch(description: string): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && SWITCH_WORDS.has(value) ? SWITCH_WORDS.get(value) : value,
    ),
    IsBoolean({ message: (args) => `${named(args)} must be true or false (or on/off)` }),
    ApiProperty({
      oneOf: [{ type: 'boolean' }, { type: 'string', enum: ['on', 'off', 'true', 'false'] }],
      description,
      required: false,
    }),
  );
}

/**
 * A credit balance: 0 to core's MAX_CREDITS as a JSON number or digits; null or "unlimited" for no limit. Becomes a
 * bigint (or null), as the account holds it.
 */
export function Credits(required: boolean): PropertyDecorator {
  const refusal = `must be a whole number (0 to ${MAX_CREDITS}), or null / "unlimited"`;
  const digits = String(MAX_CREDITS).length;
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => {
      if (value === null || value === 'unlimited') return null;
      if (Number.isSafeInteger(value)) return BigInt(value as number);
      return typeof value === 'string' && DIGITS.test(value) ? BigInt(value) : value;
    }),
    ValidateBy(
      {
        name: 'credits',
        validator: {
          validate: (value) => value === null || (typeof value === 'bigint' && value >= 0n && value <= MAX_CREDITS),
        },
      },
      {
        message: (args) =>
          args.value === undefined
            ? `give ${named(args)}: a whole number, or null / "unlimited"`
            : `${named(args)} ${refusal}`,
      },
    ),
    ApiProperty({
      oneOf: [
        { type: 'integer', minimum: 0, maximum: Number(MAX_CREDITS) },
        { type: 'string', pattern: `^[0-9]{1,${digits}}$` },
        { type: 'string', enum: ['unlimited'] },
      ],
      nullable: true,
      required,
      description: 'licenses and CKCs the account may receive: a whole number, or null / "unlimited" for no limit',
    }),
  );
}

/**
 * A limit an operator sets or clears: a whole number from `min` to `max` (JSON number or digits), or null / "none"
 * to clear it. `what` says what the number counts, for the message and the document.
 */
export function ClearableLimit(min: number, max: number, what: string): PropertyDecorator {
  const refusal = `must be a whole number (${min} to ${max}), or null / "none" to clear it`;
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      value === null || value === 'none' ? null : digitsToNumber({ value }),
    ),
    ValidateBy(
      {
        name: 'clearableLimit',
        validator: {
          validate: (value) => value === null || (Number.isSafeInteger(value) && value >= min && value <= max),
        },
      },
      { message: (args) => `${named(args)} ${refusal}` },
    ),
    ApiProperty({
      oneOf: [
        { type: 'integer', minimum: min, maximum: max },
        { type: 'string', pattern: '^[0-9]{1,20}$' },
        { type: 'string', enum: ['none'] },
      ],
      nullable: true,
      required: false,
      description: `${what}: ${min} to ${max}; null or "none" clears it`,
    }),
  );
}

/** The field is refused unless `field` is given as a number in the same call: it belongs to that limit. */
export function WithLimit(field: string): PropertyDecorator {
  return ValidateBy(
    {
      name: 'withLimit',
      validator: {
        validate: (_value, args) => typeof (args?.object as Record<string, unknown>)[field] === 'number',
      },
    },
    { message: (args) => `give {${field}} (a number) with ${named(args)}` },
  );
}

interface TextOptions {
  readonly maxChars: number;
  readonly minChars?: number;
  /** Leading and trailing white space is dropped first (names). */
  readonly trim?: boolean;
  /** When the value is not a string of minChars to maxChars characters. */
  readonly message: (args: ValidationArguments) => string;
}

/**
 * Text an operator types: `minChars` to `maxChars` characters (code points, so a pair of UTF-16 halves is one), and
 * never a control character or broken UTF-16 (core's rule: PostgreSQL refuses NUL, UTF-8 refuses lone halves).
 */
export function Text(options: TextOptions, api: ApiPropertyOptions): PropertyDecorator {
  const minChars = options.minChars ?? 0;
  return applyDecorators(
    ...(options.trim
      ? [Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))]
      : []),
    ValidateBy(
      {
        name: 'textLength',
        validator: { validate: (value) => typeof value === 'string' && fitsLength(value, minChars, options.maxChars) },
      },
      { message: options.message },
    ),
    ValidateBy(
      { name: 'safeText', validator: { validate: (value) => typeof value === 'string' && !isUnsafeText(value) } },
      { message: (args) => `${named(args)} must not contain control characters or broken UTF-16` },
    ),
    ApiProperty({ type: 'string', minLength: minChars, maxLength: options.maxChars, ...api }),
  );
}

/** Code points, counted only when the UTF-16 length allows them to fit (a long string is not walked). */
function fitsLength(value: string, minChars: number, maxChars: number): boolean {
  if (value.length > maxChars * 2) return false;
  const chars = [...value].length;
  return chars >= minChars && chars <= maxChars;
}
