import type { Drm } from '../request/types';
import { ExpressPlayError } from '../errors';

/** What the rules need to know of an account (the database's account view satisfies it). */
export interface AccountState {
  readonly status: 'active' | 'disabled';
  /** null = unlimited. */
  readonly credits: bigint | null;
  readonly widevineEnabled: boolean;
  readonly fairplayAuthorized: boolean;
  readonly fairplayEnabled: boolean;
  readonly clearKeyEnabled: boolean;
}

/** Whether the account may use the service at all: -2031 when disabled. The key store checks only this. */
export function assertAccountActive(account: Pick<AccountState, 'status'>): void {
  if (account.status !== 'active') throw new ExpressPlayError(-2031);
}

/**
 * Whether the account may be served for this DRM, in a fixed order: status (-2031), then the DRM's
 * switches (-7011; -6006 before -6009; -8001), then, when asked, the balance (assertHasCredits). Issuance asks for the
 * balance separately, after the request's parameters; redemptions spend their credit atomically with the audit
 * row instead.
 */
export function assertAccountServes(account: AccountState, drm: Drm, checkBalance: boolean): void {
  assertAccountActive(account);
  if (drm === 'wv' && !account.widevineEnabled) throw new ExpressPlayError(-7011);
  if (drm === 'fp' && !account.fairplayAuthorized) throw new ExpressPlayError(-6006);
  if (drm === 'fp' && !account.fairplayEnabled) throw new ExpressPlayError(-6009);
  if (drm === 'ck' && !account.clearKeyEnabled) throw new ExpressPlayError(-8001);
  if (checkBalance) assertHasCredits(account);
}

/** -2019 when the account has a balance and it is spent; null is unlimited. */
export function assertHasCredits(account: Pick<AccountState, 'credits'>): void {
  if (account.credits !== null && account.credits <= 0n)
    throw new ExpressPlayError(-2019, 'the account has no credits left');
}
