import { type ErrorCode, ExpressPlayError } from '../errors';
import type { Drm, RawParams } from './types';

/** Widevine and FairPlay: the DRMs whose licenses carry a policy (rows of license rules). */
export const BOTH_DRMS: readonly Drm[] = ['wv', 'fp'];
/** Every DRM: the envelope, the key parameters, expiry and cookie. */
export const ALL_DRMS: readonly Drm[] = ['wv', 'fp', 'ck'];

export interface CheckContext {
  readonly drm: Drm;
  /** Unix seconds, whole. */
  readonly now: number;
}

/**
 * A rule on one parameter: one row of a parameter table. The same row is the parser's check and the parameter's
 * API documentation (./parameter-docs.ts), so the two cannot drift apart.
 */
export interface ParamCheck<F> {
  readonly kind: 'param';
  readonly name: string;
  readonly drms: readonly Drm[];
  readonly required: readonly Drm[];
  /** 1 for single-valued parameters. */
  readonly maxCount: number;
  /** For a malformed value and for a value given too often. */
  readonly invalid: ErrorCode;
  /** For an absent required parameter, and for an empty value (sending the name promises a value). */
  readonly missing: ErrorCode | null;
  /** Codes the parser answers for particular faults of a value, besides `invalid`. */
  readonly alsoInvalid: readonly ErrorCode[];
  /** What the parameter means and takes, for the API documentation; the codes are added from the row. */
  readonly description: string;
  /** Parses the values (their count and non-emptiness already checked) into the fields. */
  readonly apply: (values: readonly string[], context: CheckContext, fields: F) => void;
  /** When it returns true, a required parameter may be absent (what earlier rows collected makes it unneeded). */
  readonly optionalWhen?: (fields: F) => boolean;
}

/** A rule across parameters, at a fixed place among the parameter rules. */
export interface CrossCheck<F> {
  readonly kind: 'cross';
  /** How the README's check order names it. */
  readonly label: string;
  readonly drms: readonly Drm[];
  readonly apply: (context: CheckContext, fields: F) => void;
}

export type Check<F> = ParamCheck<F> | CrossCheck<F>;

interface ParamSpec<T> {
  readonly name: string;
  readonly drms: readonly Drm[];
  readonly required?: readonly Drm[];
  readonly invalid: ErrorCode;
  readonly missing?: ErrorCode;
  readonly alsoInvalid?: readonly ErrorCode[];
  readonly description: string;
  readonly parse: (value: string, context: CheckContext) => T;
}

type ArrayKeys<F> = { [K in keyof F]-?: NonNullable<F[K]> extends readonly unknown[] ? K : never }[keyof F];
type ElementOf<A> = A extends readonly (infer E)[] ? E : never;

/**
 * Builders for the rows of a table whose results land in `F` (TypeScript cannot infer `F` from a row,
 * hence the factory).
 */
export function checksFor<F>() {
  return {
    /** A single-valued parameter parsed into `fields[field]`. */
    param: <K extends keyof F>(field: K, spec: ParamSpec<NonNullable<F[K]>>): ParamCheck<F> =>
      paramCheck(spec, 1, (values, context, fields) => {
        fields[field] = spec.parse(values[0], context);
      }),
    /** A single-valued parameter that is validated and otherwise ignored. */
    ignored: (spec: ParamSpec<unknown>): ParamCheck<F> =>
      paramCheck(spec, 1, (values, context) => void spec.parse(values[0], context)),
    /** A repeatable parameter whose values, in arrival order, are appended to `fields[field]`. */
    repeated: <K extends ArrayKeys<F>>(
      field: K,
      maxCount: number,
      spec: ParamSpec<ElementOf<NonNullable<F[K]>>>,
    ): ParamCheck<F> =>
      paramCheck(spec, maxCount, (values, context, fields) => {
        const parsed = values.map((value) => spec.parse(value, context));
        fields[field] = [...((fields[field] as unknown[] | undefined) ?? []), ...parsed] as F[K];
      }),
    cross: (label: string, drms: readonly Drm[], apply: CrossCheck<F>['apply']): CrossCheck<F> => ({
      kind: 'cross',
      label,
      drms,
      apply,
    }),
  };
}

function paramCheck<F>(spec: ParamSpec<unknown>, maxCount: number, apply: ParamCheck<F>['apply']): ParamCheck<F> {
  return {
    kind: 'param',
    name: spec.name,
    drms: spec.drms,
    required: spec.required ?? [],
    maxCount,
    invalid: spec.invalid,
    missing: spec.missing ?? null,
    alsoInvalid: spec.alsoInvalid ?? [],
    description: spec.description,
    apply,
  };
}

/** Values by parameter name, in arrival order. A Map, so that names such as `__proto__` are plain names. */
export type ParamValues = ReadonlyMap<string, readonly string[]>;

export function groupParams(params: RawParams): ParamValues {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of params) {
    const values = grouped.get(name);
    if (values) values.push(value);
    else grouped.set(name, [value]);
  }
  return grouped;
}

/**
 * Runs the checks in table order and stops at the first failure, so a request always gets the same code.
 * For each parameter: count (identical repeats of a single-valued one count once), then presence, then emptiness,
 * then the parameter's own parser.
 * Names not in the table (other DRMs' parameters, `useHttps`, typos) are never looked at.
 */
export function runChecks<F>(checks: readonly Check<F>[], params: ParamValues, context: CheckContext, fields: F): F {
  for (const check of checks) {
    if (!check.drms.includes(context.drm)) continue;
    if (check.kind === 'cross') {
      check.apply(context, fields);
      continue;
    }
    const given = params.get(check.name) ?? [];
    // Some client libraries send a parameter twice (query and body) with one value: that is one value, not a conflict.
    const values =
      check.maxCount === 1 && given.length > 1 && given.every((value) => value === given[0])
        ? given.slice(0, 1)
        : given;
    if (values.length === 0) {
      if (check.required.includes(context.drm) && !check.optionalWhen?.(fields)) {
        throw new ExpressPlayError(check.missing ?? check.invalid, `${check.name} is required`);
      }
      continue;
    }
    if (values.length > check.maxCount) {
      const times = check.maxCount === 1 ? 'once with different values' : `${check.maxCount} times`;
      throw new ExpressPlayError(check.invalid, `${check.name} given more than ${times}`);
    }
    if (values.includes('')) {
      throw new ExpressPlayError(check.missing ?? check.invalid, `${check.name} given without a value`);
    }
    check.apply(values, context, fields);
  }
  return fields;
}
