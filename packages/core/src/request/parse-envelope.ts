import { ALL_DRMS, checksFor, groupParams, runChecks, type Check, type CheckContext } from './check';
import type { Authenticator, ErrorFormat, RawParams, RequestEnvelope } from './types';
import { fail, MAX_ACCOUNT_NUMBER } from './values';

interface EnvelopeFields {
  errorFormat?: ErrorFormat;
  authenticator?: Authenticator;
}

const ERROR_FORMATS: readonly ErrorFormat[] = ['html', 'json'];
// The account number stays a safe integer; the secret is 128 bits.
const AUTHENTICATOR = /^([0-9]{1,15}),([0-9a-fA-F]{32})$/;
const AUTHENTICATOR_MAX_LENGTH = 15 + 1 + 32;
// -3004 echoes the format ("Invalid error format specified: <format>"), but only a short word, never markup.
const ECHOABLE = /^[A-Za-z0-9_-]{1,16}$/;

const { param } = checksFor<EnvelopeFields>();

export const ENVELOPE_CHECKS: readonly Check<EnvelopeFields>[] = [
  param('errorFormat', {
    name: 'errorFormat',
    drms: ALL_DRMS,
    invalid: -3004,
    description: '`html` (the default) or `json`: how errors are rendered.',
    parse: (value) =>
      ERROR_FORMATS.find((format) => format === value) ??
      fail(-3004, ECHOABLE.test(value) ? value : 'errorFormat must be html or json'),
  }),
  param('authenticator', {
    name: 'customerAuthenticator',
    drms: ALL_DRMS,
    required: ALL_DRMS,
    invalid: -2018,
    missing: -2017,
    description:
      "The account's authenticator for this deployment's environment, `<account number>,<32 hex digits>`; a wrong one, or the " +
      "other environment's, is invalid too. A disabled account is refused next (-2031).",
    parse: parseAuthenticator,
  }),
];

// The envelope's rules are the same for every DRM and need no clock.
const ENVELOPE_CONTEXT: CheckContext = { drm: 'wv', now: 0 };

/**
 * `customerAuthenticator` as `<account number>,<32 hex secret>`. The details never carry the value: the
 * secret must not reach an error body or a log line.
 */
function parseAuthenticator(value: string): Authenticator {
  const match = value.length <= AUTHENTICATOR_MAX_LENGTH ? AUTHENTICATOR.exec(value) : null;
  if (!match) return fail(-2018, 'malformed: expected <account number>,<32 hex digits>');
  const account = Number(match[1]);
  // Answered as the app answers an unknown account: the number is well-formed, there is just no such account.
  if (account > MAX_ACCOUNT_NUMBER) return fail(-2018, 'unknown account or secret');
  return { account, secret: match[2].toLowerCase() };
}

/**
 * How to render errors, read before anything can fail: `html` unless `errorFormat` is html or json, given once or
 * repeated with that same value.
 */
export function readErrorFormat(params: RawParams): ErrorFormat {
  let given: string | undefined;
  for (const [name, value] of params) {
    if (name !== 'errorFormat') continue;
    if (given !== undefined && given !== value) return 'html';
    given = value;
  }
  return given === 'json' ? 'json' : 'html';
}

/** The first two checks of every request: `errorFormat` (-3004), then `customerAuthenticator` (-2017, -2018). */
export function readEnvelope(params: RawParams): RequestEnvelope {
  const fields = runChecks<EnvelopeFields>(ENVELOPE_CHECKS, groupParams(params), ENVELOPE_CONTEXT, {});
  if (!fields.authenticator) throw new Error('customerAuthenticator is a required row'); // runChecks guarantees it
  return { errorFormat: fields.errorFormat ?? 'html', authenticator: fields.authenticator };
}
