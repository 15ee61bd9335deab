import { auditRows, tokenUrl, useStack } from './support/stack';

const json = async (response: Response): Promise<any> => response.json();
const KEY = '000102030405060708090a0b0c0d0e0f';
const IV = 'f0e0d0c0b0a090807060504030201000';

describe('rights: what every redemption checks (real apps, real Postgres)', () => {
  const stack = useStack();
  let auth: string;
  let account: number;

  beforeAll(async () => {
    const created = await stack.admin.createAccount({ name: 'R', credits: null, widevine: true, fairplay: true });
    auth = encodeURIComponent(created.authenticators.test);
    account = created.account.number;
  });

  const wvToken = () =>
    tokenUrl(
      stack,
      'wv',
      `customerAuthenticator=${auth}&kid=^movie&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0&cookie=c-wv`,
    );
  const fpToken = () => tokenUrl(stack, 'fp', `customerAuthenticator=${auth}&contentKey=${KEY}&iv=${IV}&cookie=c-fp`);
  const post = (url: string, body: Buffer | string = Buffer.from([8, 4]), headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream', ...headers } });

  it('token-gen returns URLs that reach this rights server', async () => {
    expect(await wvToken()).toMatch(
      new RegExp(`^${stack.rightsUrl}/hms/wv/rights/\\?ExpressPlayToken=[A-Za-z0-9_-]+$`),
    );
  });

  it.each([
    ['no token', (u: string) => u.replace(/\?ExpressPlayToken=.*$/, ''), -4010, /no ExpressPlayToken/],
    ['a tampered token', (u: string) => u.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), -4010, /forged or corrupt/],
    ['a truncated token', (u: string) => u.slice(0, -10), -4010, /forged or corrupt/],
  ])('refuses %s with -4010 and the reason', async (_name, change, code, reason) => {
    const response = await post(change(await wvToken()));
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = await json(response);
    expect(body.code).toBe(code);
    expect(body.message).toMatch(reason);
  });

  it("refuses the other DRM's token: -6002 on FairPlay, -4010 on Widevine", async () => {
    const fpOnWv = await post((await fpToken()).replace('/hms/fp/', '/hms/wv/'));
    expect(await json(fpOnWv)).toEqual({ code: -4010, message: '[-4010] Invalid token: the token is for FairPlay' });
    const wvOnFp = await post((await wvToken()).replace('/hms/wv/', '/hms/fp/'));
    expect(wvOnFp.status).toBe(400);
    expect((await json(wvOnFp)).code).toBe(-6002);
  });

  it('takes the token from an ExpressPlayToken header too', async () => {
    const token = new URL(await wvToken()).searchParams.get('ExpressPlayToken')!;
    const response = await post(`${stack.rightsUrl}/hms/wv/rights/`, Buffer.alloc(0), { ExpressPlayToken: token });
    // The token is accepted; the empty challenge is what fails.
    expect((await json(response)).code).toBe(-7008);
  });

  it('refuses by account state at redemption: disabled, Widevine off, FairPlay unconfigured', async () => {
    const wv = await wvToken();
    const fp = await fpToken();
    expect((await json(await post(fp))).code).toBe(-6004);
    await stack.admin.setOptions(account, { widevineEnabled: false });
    expect((await json(await post(wv))).code).toBe(-7011);
    await stack.admin.setStatus(account, 'disabled');
    expect((await json(await post(wv))).code).toBe(-2031);
    await stack.admin.setStatus(account, 'active');
    await stack.admin.setOptions(account, { widevineEnabled: true });
  });

  it('answers CORS preflights and adds CORS headers for browser players', async () => {
    const preflight = await fetch(`${stack.rightsUrl}/hms/wv/rights/?ExpressPlayToken=x`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://player.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,expressplaytoken',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('expressplaytoken');
    const response = await post(await wvToken(), Buffer.alloc(0), { origin: 'https://player.example' });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    // A refusal too, so that a browser player can read the code and message.
    const refused = await post(`${stack.rightsUrl}/hms/wv/rights/?ExpressPlayToken=x`, undefined, {
      origin: 'https://player.example',
      accept: 'application/json',
    });
    expect((await json(refused)).code).toBe(-4010);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
    expect(refused.headers.get('access-control-expose-headers')).toContain('X-ExpressPlay-Error-Code');
  });

  it('refuses bodies over the limit with a JSON 413, and unknown paths with a JSON 404', async () => {
    const big = await post(await wvToken(), Buffer.alloc(70_000));
    expect(big.status).toBe(413);
    expect((await json(big)).code).toBe(413);
    const missing = await fetch(`${stack.rightsUrl}/hms/pr/rights/`);
    expect(missing.status).toBe(404);
    expect(await json(missing)).toEqual({ code: 404, message: '[404] Not Found' });
  });

  it('leaves one redemption row per attempt with token id and cookie, and no key', async () => {
    const before = (await auditRows(stack.pool)).length;
    const url = await wvToken();
    await post(url, Buffer.from('not a challenge'));
    await post(url.slice(0, -3));
    const rows = (await auditRows(stack.pool)).slice(before);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ drm: 'wv', cookie: 'c-wv', account_number: account, result_code: -7008 });
    expect(rows[0].token_id).toMatch(/^[0-9a-f]{32}$/);
    // Refused before the DRM work, the row still says what was asked: the default body is the `08 04` request.
    expect(rows[1]).toMatchObject({ result_code: -4010, token_id: null, request_type: 'service-certificate' });
    expect(JSON.stringify(rows)).not.toContain(KEY);
  });

  it('serves /health, /health/ready and /metrics', async () => {
    expect(await json(await fetch(`${stack.rightsUrl}/health`))).toEqual({ status: 'ok' });
    expect(await json(await fetch(`${stack.rightsUrl}/health/ready`))).toEqual({ status: 'ok', database: 'up' });
    expect(await (await fetch(`${stack.rightsUrl}/metrics`)).text()).toContain('http_requests_total');
  });
});
