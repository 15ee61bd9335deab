/**
 * The bounds of what an operator may set on an account (admin CLI and admin API). Account numbers are bounded by
 * MAX_ACCOUNT_NUMBER (request/values), which the token API shares.
 */

/**
 * Largest credit balance: 15 digits, so a balance is exact as a JSON number (below 2^53) wherever it is printed,
 * though the database holds a 64-bit integer.
 */
export const MAX_CREDITS = 999_999_999_999_999n;

/** Authenticator ids are PostgreSQL integers: a larger id names no authenticator, and its query would fail. */
export const MAX_AUTHENTICATOR_ID = 2_147_483_647;

/** Characters (code points) of an account's name. */
export const MAX_ACCOUNT_NAME_CHARS = 200;

/** Characters (code points) of an authenticator's label. */
export const MAX_AUTHENTICATOR_LABEL_CHARS = 100;

/**
 * Most live Widevine streams an account-wide limit may allow (docs/decisions/0023-account-stream-limits.md): every
 * admission to the account counts its live streams, so the bound keeps that count a bounded index range.
 */
export const MAX_ACCOUNT_STREAMS = 100_000;
