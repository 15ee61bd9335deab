import { assertAccountActive, assertAccountServes, assertHasCredits, type AccountState } from './account-rules';

const active: AccountState = {
  status: 'active',
  credits: null,
  widevineEnabled: true,
  fairplayAuthorized: true,
  fairplayEnabled: true,
  clearKeyEnabled: true,
};

describe('assertAccountServes', () => {
  it.each<[string, Partial<AccountState>, 'wv' | 'fp' | 'ck', boolean, number | null]>([
    ['an active unlimited account', {}, 'wv', true, null],
    [
      'a disabled account, before anything else',
      { status: 'disabled', widevineEnabled: false, credits: 0n },
      'wv',
      true,
      -2031,
    ],
    ['Widevine switched off', { widevineEnabled: false }, 'wv', true, -7011],
    ['Widevine off does not concern FairPlay', { widevineEnabled: false }, 'fp', true, null],
    [
      'FairPlay not authorized, before disabled',
      { fairplayAuthorized: false, fairplayEnabled: false },
      'fp',
      true,
      -6006,
    ],
    ['FairPlay disabled', { fairplayEnabled: false }, 'fp', true, -6009],
    ['no credits at issuance', { credits: 0n }, 'fp', true, -2019],
    ['no credits is for the ledger at redemption', { credits: 0n }, 'fp', false, null],
    ['credits left', { credits: 1n }, 'wv', true, null],
    ['Clear Key switched off', { clearKeyEnabled: false }, 'ck', true, -8001],
    [
      'a disabled account before the Clear Key switch',
      { status: 'disabled', clearKeyEnabled: false },
      'ck',
      true,
      -2031,
    ],
    ['the Clear Key switch before the balance', { clearKeyEnabled: false, credits: 0n }, 'ck', true, -8001],
    ['Clear Key off does not concern Widevine', { clearKeyEnabled: false }, 'wv', true, null],
    [
      'Widevine and FairPlay off do not concern Clear Key',
      { widevineEnabled: false, fairplayEnabled: false },
      'ck',
      true,
      null,
    ],
    ['no Clear Key credits at issuance', { credits: 0n }, 'ck', true, -2019],
  ])('%s', (_name, change, drm, checkBalance, code) => {
    const run = () => assertAccountServes({ ...active, ...change }, drm, checkBalance);
    if (code === null) expect(run).not.toThrow();
    else expect(run).toThrow(expect.objectContaining({ code }));
  });
});

describe('assertAccountActive', () => {
  it('refuses a disabled account with -2031 and ignores DRM switches and credits', () => {
    const switchedOff: AccountState = { ...active, widevineEnabled: false, fairplayAuthorized: false, credits: 0n };
    expect(() => assertAccountActive(switchedOff)).not.toThrow();
    expect(() => assertAccountActive({ ...active, status: 'disabled' })).toThrow(
      expect.objectContaining({ code: -2031, status: 401 }),
    );
  });
});

describe('assertHasCredits', () => {
  it('refuses a spent balance with -2019 and lets a positive or unlimited one through', () => {
    expect(() => assertHasCredits({ credits: 0n })).toThrow(expect.objectContaining({ code: -2019 }));
    expect(() => assertHasCredits({ credits: -1n })).toThrow(expect.objectContaining({ code: -2019 }));
    expect(() => assertHasCredits({ credits: 1n })).not.toThrow();
    expect(() => assertHasCredits({ credits: null })).not.toThrow();
  });
});
