import { openToken, parseKeyRing } from '@openplay/core';
import { auditRows, RIGHTS_URL, useTokenGen } from './support/token-gen-harness';

const json = async (response: Response): Promise<any> => response.json();

const KEY = '000102030405060708090a0b0c0d0e0f';
const KID = 'b366360da82e9c6e0b0984002a362cf2';
const IV = 'f0e0d0c0b0a090807060504030201000';

describe('token-gen over HTTP (real app, real Postgres)', () => {
  const tg = useTokenGen();
  let auth: { test: string; production: string };

  beforeAll(async () => {
    auth = (await tg.admin.createAccount({ name: 'Acme', credits: null, widevine: true, fairplay: true }))
      .authenticators;
  });

  const get = (path: string, init?: RequestInit) => fetch(`${tg.baseUrl}${path}`, init);
  const wvQuery = (extra = '') =>
    `customerAuthenticator=${encodeURIComponent(auth.test)}&kid=${KID}&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0${extra}`;

  it('issues a Widevine token as text/uri-list whose token opens to the request', async () => {
    const response = await get(
      `/hms/wv/token?${wvQuery('&cookie=session-42&licenseDuration=3600&wvExtension=wudo,AAAAAA%3D%3D')}`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/uri-list');
    const body = await response.text();
    const prefix = `${RIGHTS_URL}/hms/wv/rights/?ExpressPlayToken=`;
    expect(body.startsWith(prefix)).toBe(true);
    const claims = openToken(
      body.slice(prefix.length),
      parseKeyRing(tg.config.TOKEN_KEYS),
      Math.floor(Date.now() / 1000),
    );
    expect(claims).toMatchObject({ drm: 'wv', environment: 'test', cookie: 'session-42' });
    expect(claims.contentKey.toString('hex')).toBe(KEY);
    expect(claims.kid?.toString('hex')).toBe(KID);
    expect(claims.policy).toMatchObject({ drm: 'wv', securityLevel: 1, hdcpOutputControl: 0, licenseDuration: 3600 });
    const row = (await auditRows(tg.pool)).find((r) => r.token_id === claims.tokenId.toString('hex'));
    expect(row).toMatchObject({ kind: 'issuance', drm: 'wv', result_code: 0, cookie: 'session-42', kid: KID });
  });

  it("answers the seed's FairPlay example (with the required iv) by POST form too", async () => {
    const form =
      `customerAuthenticator=${encodeURIComponent(auth.test)}&kid=${KID}&contentKey=${KID}&rightsType=BuyToOwn` +
      `&analogVideoOPL=0&compressedDigitalAudioOPL=0&compressedDigitalVideoOPL=0&uncompressedDigitalAudioOPL=0` +
      `&uncompressedDigitalVideoOPL=0&iv=${IV}`;
    for (const response of [
      await get(`/hms/fp/token?${form}`),
      await get('/hms/fp/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      }),
    ]) {
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(
        /^https:\/\/rights\.example\.test\/hms\/fp\/rights\/\?ExpressPlayToken=[A-Za-z0-9_-]+$/,
      );
    }
  });

  it('renders errors as JSON or HTML as errorFormat asks', async () => {
    const jsonResponse = await get(
      `/hms/wv/token?${wvQuery('&securityLevel=9').replace('securityLevel=1&', '')}&errorFormat=json`,
    );
    expect(jsonResponse.status).toBe(400);
    expect(jsonResponse.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await json(jsonResponse)).toEqual({
      code: -7004,
      message: expect.stringMatching(/^\[-7004\] Invalid security level value/),
    });
    const html = await get(`/hms/wv/token?${wvQuery().replace('securityLevel=1&', '')}`);
    expect(html.status).toBe(400);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await html.text()).toContain('[-7003] Missing security level value');
    const badFormat = await get(`/hms/wv/token?${wvQuery()}&errorFormat=xml`);
    expect(badFormat.status).toBe(400);
    expect(await badFormat.text()).toContain('-3004');
  });

  it.each([
    ['no authenticator', () => `kid=${KID}&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0`, 401, -2017],
    ['a wrong secret', () => wvQuery().replace(/%2C[0-9a-f]{4}/, '%2C0000'), 401, -2018],
    [
      'the production authenticator on the test service',
      () => wvQuery().replace(encodeURIComponent(auth.test), encodeURIComponent(auth.production)),
      401,
      -2018,
    ],
    [
      'an unknown account',
      () => wvQuery().replace(/^customerAuthenticator=\d+/, 'customerAuthenticator=1'),
      401,
      -2018,
    ],
  ])('refuses %s', async (_name, query, status, code) => {
    const response = await get(`/hms/wv/token?${query()}&errorFormat=json`);
    expect(response.status).toBe(status);
    expect((await json(response)).code).toBe(code);
  });

  it('refuses by account state: disabled, DRM switched off, no credits', async () => {
    const { account, authenticators } = await tg.admin.createAccount({
      name: 'State',
      credits: 0n,
      widevine: true,
      fairplay: true,
    });
    const wv = `/hms/wv/token?customerAuthenticator=${encodeURIComponent(authenticators.test)}&kid=${KID}&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0&errorFormat=json`;
    const fp = `/hms/fp/token?customerAuthenticator=${encodeURIComponent(authenticators.test)}&contentKey=${KEY}&iv=${IV}&errorFormat=json`;
    const code = async (path: string) => {
      const response = await get(path);
      const body = await json(response);
      return [response.status, body.code];
    };
    expect(await code(wv)).toEqual([400, -2019]);
    await tg.admin.setCredits(account.number, 1n);
    expect((await get(wv)).status).toBe(200);
    await tg.admin.setOptions(account.number, { widevineEnabled: false, fairplayEnabled: false });
    expect(await code(wv)).toEqual([400, -7011]);
    expect(await code(fp)).toEqual([400, -6009]);
    await tg.admin.setOptions(account.number, { fairplayAuthorized: false });
    expect(await code(fp)).toEqual([400, -6006]);
    await tg.admin.setStatus(account.number, 'disabled');
    expect(await code(wv)).toEqual([401, -2031]);
  });

  it('answers unknown paths with 404 in the requested format', async () => {
    const notFound = await get('/hms/pr/token?errorFormat=json');
    expect(notFound.status).toBe(404);
    expect(await json(notFound)).toEqual({ code: 404, message: '[404] Not Found' });
    const html = await get('/nothing');
    expect(html.status).toBe(404);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('refuses oversized bodies (413) and other media types (415) in the requested format', async () => {
    const big = await get('/hms/wv/token?errorFormat=json', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `cookie=${'a'.repeat(70_000)}`,
    });
    expect(big.status).toBe(413);
    expect(await json(big)).toEqual({ code: 413, message: '[413] Request body is too large' });
    const wrongType = await get('/hms/wv/token?errorFormat=json', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(wrongType.status).toBe(415);
    expect((await json(wrongType)).code).toBe(415);
  });

  it('gives malformed encodings the code of the parameter they spoil, never a 500', async () => {
    const cases: Array<[string, number]> = [
      [`${wvQuery()}&cookie=%ff%fe`, -2033],
      [wvQuery().replace(`kid=${KID}`, 'kid=%ZZ'), -4022],
      [wvQuery().replace(`contentKey=${KEY}`, `contentKey=%0${KEY.slice(2)}`), -2005],
      [wvQuery().replace(`contentKey=${KEY}`, `contentKey=${KEY.slice(2)}`), -2027],
      [`${wvQuery()}&cookie=a%00b`, -2033],
      [`${wvQuery()}&expirationTime=${'9'.repeat(5000)}`, -2002],
    ];
    for (const [query, code] of cases) {
      const response = await get(`/hms/wv/token?${query}&errorFormat=json`);
      expect(response.status).toBe(400);
      expect((await json(response)).code).toBe(code);
    }
  });

  it('refuses extensions too large to fit in a token with the extension code, not a 500', async () => {
    const payload = Buffer.alloc(6000, 7).toString('base64');
    const extensions = Array.from({ length: 3 }, () => `&wvExtension=wudo,${encodeURIComponent(payload)}`).join('');
    const response = await get('/hms/wv/token?errorFormat=json', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `${wvQuery()}${extensions}`,
    });
    expect(response.status).toBe(400);
    expect((await json(response)).code).toBe(-7009);
  });

  it('records the socket peer as client address: X-Forwarded-For counts only from configured proxies (TRUST_PROXY)', async () => {
    const response = await get(`/hms/wv/token?${wvQuery('&cookie=forwarded')}`, {
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(response.status).toBe(200);
    const row = (await auditRows(tg.pool)).find((r) => r.cookie === 'forwarded');
    expect(row?.client_address).toBe('127.0.0.1');
  });

  it('leaves exactly one audit row per token request, and none holds a key or a secret', async () => {
    const before = (await auditRows(tg.pool)).length;
    const queries = [wvQuery(), `${wvQuery()}&errorFormat=bad`, 'customerAuthenticator=1,2', wvQuery('&ek=00')];
    await Promise.all(queries.map((q) => get(`/hms/wv/token?${q}`)));
    const rows = await auditRows(tg.pool);
    expect(rows.length - before).toBe(queries.length);
    const secret = auth.test.split(',')[1];
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(KEY);
    expect(dump).not.toContain(secret);
  });

  it('serves /health, /health/ready and Prometheus /metrics', async () => {
    expect(await (await get('/health')).json()).toEqual({ status: 'ok' });
    expect(await (await get('/health/ready')).json()).toEqual({ status: 'ok', database: 'up' });
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toMatch(/http_requests_total\{route="\/hms\/wv\/token",status="200",code="0"\} \d+/);
    expect(metrics).toMatch(/tokens_issued_total\{drm="fp"\} [1-9]\d*/);
    expect(metrics).toMatch(/credit_refusals_total\{drm="wv",stage="issuance"\} [1-9]\d*/);
  });
});
