import type { ErrorCode } from '../errors';
import type { Check, ParamCheck } from './check';
import { ENVELOPE_CHECKS } from './parse-envelope';
import { TOKEN_CHECKS } from './token-checks';
import type { Drm } from './types';

/** One token-request parameter as the API documentation shows it, read off its row in the rule tables. */
export interface ParameterDoc {
  readonly name: string;
  readonly required: boolean;
  /** How often it may be given: 1, or more for the extensions. */
  readonly maxCount: number;
  /** The row's description, then its codes. */
  readonly description: string;
  /** For an absent (when required) or empty value. */
  readonly missing: ErrorCode | null;
  /** For a malformed value, the row's main code first. */
  readonly invalid: readonly ErrorCode[];
}

/**
 * The parameters of a token request to `drm`'s endpoint, in the order they are checked: the envelope's
 * (errorFormat, customerAuthenticator), then the token rules. Cross-parameter rules (which key parameters go
 * together) are told in the rows' descriptions.
 */
export function tokenParameterDocs(drm: Drm): ParameterDoc[] {
  return [...paramRows(ENVELOPE_CHECKS), ...paramRows(TOKEN_CHECKS)]
    .filter((row) => row.drms.includes(drm))
    .map((row) => docOf(row, drm));
}

/** errorFormat and customerAuthenticator, which every endpoint authenticated like a token request takes. */
export function envelopeParameterDocs(): ParameterDoc[] {
  return paramRows(ENVELOPE_CHECKS).map((row) => docOf(row, 'wv'));
}

function paramRows(checks: readonly Check<never>[]): ParamCheck<never>[] {
  return checks.filter((check): check is ParamCheck<never> => check.kind === 'param');
}

function docOf(row: ParamCheck<never>, drm: Drm): ParameterDoc {
  const required = row.required.includes(drm);
  const invalid: ErrorCode[] = [row.invalid, ...row.alsoInvalid];
  const codes = [
    row.missing === null ? null : `${required ? 'missing or empty' : 'empty'} ${row.missing}`,
    `${row.missing === null ? 'invalid or empty' : 'invalid'} ${invalid.join(', ')}`,
  ].filter((part) => part !== null);
  return {
    name: row.name,
    required,
    maxCount: row.maxCount,
    description: `${row.description} Codes: ${codes.join('; ')}.`,
    missing: row.missing,
    invalid,
  };
}
