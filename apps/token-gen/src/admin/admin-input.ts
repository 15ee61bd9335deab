import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { type ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { bodyFields } from './admin-body';
import { AdminError } from './admin-commands';

// Operator input, one way for the admin CLI and the admin API: a DTO class (class-transformer reads the fields,
// class-validator checks them) and one refusal, an AdminError (400) naming the field.

export interface AdminInputOptions {
  /** How the caller writes each field in messages (the CLI's flags); by default the field's own name. */
  readonly names?: Readonly<Record<string, string>>;
  /** Added to a field's message in parentheses: where to find a good value. */
  readonly hints?: Readonly<Record<string, string>>;
}

/**
 * The fields as `type`, transformed and checked, or an AdminError for the first field refused. Fields given as
 * undefined are absent (the CLI's unset flags). Fields the class does not declare are refused.
 */
export function parseAdminInput<T extends object>(
  type: ClassConstructor<T>,
  input: unknown,
  options: AdminInputOptions = {},
): T {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new AdminError('the input must be an object of fields', 'invalid');
  const fields = Object.fromEntries(
    Object.entries(input)
      .filter(([, value]) => value !== undefined)
      // No admin field takes a nested value: only its kind reaches the checks, so a deeply nested one cannot
      // exhaust class-transformer's recursive copy.
      .map(([key, value]) => [
        key,
        typeof value === 'object' && value !== null ? (Array.isArray(value) ? [] : {}) : value,
      ]),
  );
  const dto = plainToInstance(type, fields);
  // class-transformer drops keys it will not set (__proto__, constructor, accessors), so the whitelist cannot see them.
  const dropped = Object.keys(fields).find((key) => !Object.prototype.hasOwnProperty.call(dto, key));
  if (dropped !== undefined) throw unknownField(dropped);
  const [error] = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true });
  if (error !== undefined) throw refusal(error, options);
  return dto;
}

function refusal(error: ValidationError, options: AdminInputOptions): AdminError {
  const [kind, message] = Object.entries(error.constraints ?? {})[0] ?? ['', `${error.property} is not valid`];
  if (kind === 'whitelistValidation') return unknownField(error.property);
  const named = message.replace(/\{(\w+)\}/g, (_token, field: string) => options.names?.[field] ?? field);
  const hint = options.hints?.[error.property];
  return new AdminError(hint === undefined ? named : `${named} (${hint})`, 'invalid');
}

function unknownField(key: string): AdminError {
  return new AdminError(`unknown field ${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)}`, 'invalid');
}

/**
 * The admin API's pipe: the body (JSON or form, see bodyFields), the path's parameters or the query string, as the
 * parameter's DTO class. A query field given twice is refused by name rather than read as a list.
 */
@Injectable()
export class AdminInputPipe implements PipeTransform {
  constructor(private readonly options: AdminInputOptions = {}) {}

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const type = metadata.metatype;
    if (typeof type !== 'function' || [Object, String, Number, Boolean, Array].includes(type as never)) {
      throw new Error(`AdminInputPipe needs a DTO class for its ${metadata.type} parameter`);
    }
    if (metadata.type === 'body') return parseAdminInput(type, bodyFields(value), this.options);
    if (metadata.type === 'query') {
      const repeated = Object.entries(value ?? {}).find(([, v]) => Array.isArray(v));
      if (repeated)
        throw new AdminError(
          `${JSON.stringify(repeated[0]).slice(1, -1).slice(0, 40)} is given more than once`,
          'invalid',
        );
    }
    return parseAdminInput(type, value, this.options);
  }
}
