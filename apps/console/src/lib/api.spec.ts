import { ApiError, ConsoleApi, nextAfter } from './api';
import { credentialFrom } from './session';

const AUTHENTICATOR = '431907,00112233445566778899aabbccddeeff';
const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

/** A fetch that records each call and answers with the given status and body. */
function fakeFetch(status: number, body: unknown, headers: Record<string, string> = {}) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fn = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
  }) as unknown as typeof fetch;
  return { fn, calls };
}

const FROM = new Date('2026-12-05T09:00:00Z');
const TO = new Date('2026-12-05T12:00:00Z');

describe('ConsoleApi', () => {
  it('asks an operator usage with the bearer key and the account in the query', async () => {
    const fetch = fakeFetch(200, { hours: [] });
    await new ConsoleApi(credentialFrom(ADMIN_KEY)!, fetch.fn).usage({ from: FROM, to: TO, drm: 'wv', account: 7 });
    expect(fetch.calls[0].url).toBe(
      '/admin/usage?from=2026-12-05T09%3A00%3A00.000Z&to=2026-12-05T12%3A00%3A00.000Z&drm=wv&account=7',
    );
    expect(fetch.calls[0].init.headers).toMatchObject({ authorization: `Bearer ${ADMIN_KEY}` });
  });

  it("asks a customer's usage with the authenticator as customerAuthenticator, no bearer", async () => {
    const fetch = fakeFetch(200, { hours: [] });
    await new ConsoleApi(credentialFrom(AUTHENTICATOR)!, fetch.fn).usage({ from: FROM, to: TO });
    expect(fetch.calls[0].url).toBe(
      '/cmiapi/usage?customerAuthenticator=431907%2C00112233445566778899aabbccddeeff&from=2026-12-05T09%3A00%3A00.000Z&to=2026-12-05T12%3A00%3A00.000Z',
    );
    expect(fetch.calls[0].init.headers).not.toHaveProperty('authorization');
  });

  it('searches records where each role may: /admin/logs for operators, getrecord for customers', async () => {
    const admin = fakeFetch(200, [{ id: '1' }]);
    expect(await new ConsoleApi(credentialFrom(ADMIN_KEY)!, admin.fn).records({ tokenId: 'ab' })).toEqual([
      { id: '1' },
    ]);
    expect(admin.calls[0].url).toBe('/admin/logs?tokenId=ab&limit=200');
    const customer = fakeFetch(200, { cookie: 's-1', records: [{ id: '2' }] });
    const api = new ConsoleApi(credentialFrom(AUTHENTICATOR)!, customer.fn);
    expect(await api.records({ cookie: 's-1' })).toEqual([{ id: '2' }]);
    expect(customer.calls[0].url).toBe(
      '/cmiapi/getrecord/?customerAuthenticator=431907%2C00112233445566778899aabbccddeeff&errorFormat=json&cookie=s-1',
    );
    await api.records({});
    expect(customer.calls[1].url).toMatch(/&errorFormat=json&length=100$/);
  });

  it('sends JSON bodies to the admin API; unlimited credits as "unlimited"', async () => {
    const fetch = fakeFetch(200, {});
    await new ConsoleApi(credentialFrom(ADMIN_KEY)!, fetch.fn).setCredits(7, null);
    expect(fetch.calls[0]).toMatchObject({
      url: '/admin/accounts/7/credits',
      init: { method: 'PUT', body: '{"credits":"unlimited"}', headers: { 'content-type': 'application/json' } },
    });
  });

  it('sends account limits as typed: blank clears ("none"), the mode and window only with their limit', async () => {
    const fetch = fakeFetch(200, {});
    const api = new ConsoleApi(credentialFrom(ADMIN_KEY)!, fetch.fn);
    await api.setLimits(7, { maxStreams: ' 4 ', streamLimitMode: 'stopOldest', maxDevices: '', deviceWindow: '600' });
    expect(fetch.calls[0]).toMatchObject({
      url: '/admin/accounts/7/limits',
      init: { method: 'PATCH', body: '{"maxStreams":"4","streamLimitMode":"stopOldest","maxDevices":"none"}' },
    });
    await api.setLimits(7, { maxStreams: '', streamLimitMode: 'deny', maxDevices: '2', deviceWindow: '600' });
    expect(fetch.calls[1].init.body).toBe('{"maxStreams":"none","maxDevices":"2","deviceWindow":"600"}');
  });

  it("turns an error answer into ApiError with the service's code and message", async () => {
    const refused = fakeFetch(401, { code: -2018, message: '[-2018] Invalid authenticator' });
    const error = await new ConsoleApi(credentialFrom(AUTHENTICATOR)!, refused.fn).keyCount().catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect([error.status, error.code, error.message]).toEqual([401, -2018, '[-2018] Invalid authenticator']);
    const html = await new ConsoleApi(credentialFrom(ADMIN_KEY)!, fakeFetch(502, '<html>').fn)
      .accounts()
      .catch((e) => e);
    expect([html.status, html.code, html.message]).toEqual([502, 502, 'HTTP 502']);
  });

  it('pages the key store by the Link header', async () => {
    const link = '</keystore/keys?after=%5Emovie-42&limit=50>; rel="next"';
    const fetch = fakeFetch(200, [{ kid: '^movie-42' }], { link });
    const page = await new ConsoleApi(credentialFrom(AUTHENTICATOR)!, fetch.fn).keys('^a');
    expect(page).toEqual({ keys: [{ kid: '^movie-42' }], next: '^movie-42' });
    expect(fetch.calls[0].url).toMatch(/&after=%5Ea&limit=50$/);
    expect(nextAfter(null)).toBeNull();
    expect(nextAfter('</keystore/keys?limit=50>; rel="prev"')).toBeNull();
  });
});
