import { type AccountUsageSettings, usageLimitsOf } from './usage-limits';

const noSettings: AccountUsageSettings = {
  maxStreams: null,
  streamLimitMode: null,
  maxDevices: null,
  deviceWindow: null,
};
const wv = { drm: 'wv' as const, cookie: null, maxStreams: null, maxDevices: null };

describe('usageLimitsOf', () => {
  it('has no limits for a token without any in an account without settings', () => {
    expect(usageLimitsOf(wv, noSettings)).toEqual({ streams: null, devices: null });
  });

  it("keeps the token's own limits as they were", () => {
    const claims = { ...wv, maxStreams: 2, stopOldestStream: true, maxDevices: 3, deviceWindow: 600 };
    expect(usageLimitsOf(claims, noSettings)).toEqual({
      streams: { max: 2, stopOldest: true, accountMax: null, accountStopOldest: false },
      devices: { max: 3, windowSeconds: 600 },
    });
  });

  it("adds the account's stream limit to every Widevine license, with the account's mode", () => {
    const account = { ...noSettings, maxStreams: 50, streamLimitMode: 'stopOldest' as const };
    expect(usageLimitsOf(wv, account).streams).toEqual({
      max: null,
      stopOldest: false,
      accountMax: 50,
      accountStopOldest: true,
    });
    expect(usageLimitsOf({ ...wv, maxStreams: 1 }, { ...account, streamLimitMode: 'deny' }).streams).toEqual({
      max: 1,
      stopOldest: false,
      accountMax: 50,
      accountStopOldest: false,
    });
  });

  it("applies the account's device limit only to tokens with a cookie and no device limit of their own", () => {
    const account = { ...noSettings, maxDevices: 4, deviceWindow: 3600 };
    expect(usageLimitsOf(wv, account)).toEqual({ streams: null, devices: null });
    expect(usageLimitsOf({ ...wv, cookie: 'user-1' }, account).devices).toEqual({ max: 4, windowSeconds: 3600 });
    const own = { ...wv, cookie: 'user-1', maxDevices: 2, deviceWindow: 60 };
    expect(usageLimitsOf(own, account).devices).toEqual({ max: 2, windowSeconds: 60 });
  });

  it("applies the account's limits to FairPlay CKCs as to Widevine licenses, with the token's own", () => {
    const account = { maxStreams: 3, streamLimitMode: 'stopOldest' as const, maxDevices: 1, deviceWindow: 60 };
    const fp = { ...wv, drm: 'fp' as const };
    expect(usageLimitsOf(fp, account)).toEqual({
      streams: { max: null, stopOldest: false, accountMax: 3, accountStopOldest: true },
      devices: null,
    });
    expect(usageLimitsOf({ ...fp, cookie: 'u' }, account).devices).toEqual({ max: 1, windowSeconds: 60 });
    const own = { ...fp, cookie: 'u', maxStreams: 2, stopOldestStream: false, maxDevices: 3, deviceWindow: 600 };
    expect(usageLimitsOf(own, { ...account, streamLimitMode: 'deny' })).toEqual({
      streams: { max: 2, stopOldest: false, accountMax: 3, accountStopOldest: false },
      devices: { max: 3, windowSeconds: 600 },
    });
    expect(usageLimitsOf(fp, noSettings)).toEqual({ streams: null, devices: null });
  });

  it('leaves Clear Key alone, whatever the account says', () => {
    const account = { maxStreams: 1, streamLimitMode: 'deny' as const, maxDevices: 1, deviceWindow: 60 };
    expect(usageLimitsOf({ ...wv, drm: 'ck', cookie: 'u' }, account)).toEqual({ streams: null, devices: null });
  });
});
