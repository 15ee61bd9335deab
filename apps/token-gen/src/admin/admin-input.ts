import type { AccountView } from '@openplay/database';
import { AdminError } from './admin-commands';

// Operator input shared by the admin CLI and the admin API, so both accept and refuse the same values.

export const LOGS_DEFAULT_LIMIT = 100;
export const LOGS_MAX_LIMIT = 1000;

/** Authenticator ids are PostgreSQL integers: a larger id names no authenticator, and the query would fail. */
export const MAX_AUTHENTICATOR_ID = 2_147_483_647;

/** An authenticator id as an operator types it: 1 to 2147483647, digits only (no sign, exponent or spaces). */
export function authenticatorId(text: string | undefined, hint: string): number {
  const n = text !== undefined && /^[0-9]{1,10}$/.test(text) ? Number(text) : 0;
  if (n < 1 || n > MAX_AUTHENTICATOR_ID) throw new AdminError(`give the authenticator id, 1 to ${MAX_AUTHENTICATOR_ID} (${hint})`, 'invalid');
  return n;
}

export function accountNumber(text: string | undefined): number {
  const n = Number(text);
  if (!text || !/^\d{1,9}$/.test(text) || !Number.isSafeInteger(n)) throw new AdminError('give the account number', 'invalid');
  return n;
}

export function credits(text: string): bigint {
  if (!/^\d{1,15}$/.test(text)) throw new AdminError('credits must be a whole number (0 to 999999999999999) or "unlimited"', 'invalid');
  return BigInt(text);
}

export function onOff(value: string | boolean | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new AdminError(`${name} takes on or off`, 'invalid');
}

export function logsLimit(text: string | undefined): number {
  if (text === undefined) return LOGS_DEFAULT_LIMIT;
  const n = /^\d{1,4}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= LOGS_MAX_LIMIT)) throw new AdminError(`the limit must be a whole number from 1 to ${LOGS_MAX_LIMIT}`, 'invalid');
  return n;
}

/** An account as JSON: credits as a number (at most 15 digits, so exact), null = unlimited. */
export function plainAccount(account: AccountView) {
  return { ...account, credits: account.credits === null ? null : Number(account.credits) };
}
