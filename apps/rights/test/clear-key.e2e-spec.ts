import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { parseKeyRing, sealToken } from '@openplay/core';
import { auditRows, type Stack, useStack } from './support/stack';

type Json = any;

const KID = '2f05477fc24bb4faefd86517156dafc0';
const KEY = '6e1d4c9a0b37f258e4a19d03c7b68f21';
const OTHER_KID = '0123456789abcdef0123456789abcdef';
const b64url = (hex: string) => Buffer.from(hex, 'hex').toString('base64url');
const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const request = (kids: string[], type = 'temporary') => JSON.stringify({ kids, type });

async function ckTokenUrl(stack: Stack, auth: string, extra = ''): Promise<string> {
  const response = await fetch(
    `${stack.tokenGenUrl}/hms/ck/token?customerAuthenticator=${encodeURIComponent(auth)}&errorFormat=json&kid=${KID}&contentKey=${KEY}${extra}`,
  );
  const body = await response.text();
  if (response.status !== 200) throw new Error(`token-gen answered ${response.status}: ${body}`);
  return body;
}

/** POSTs as a browser does: with no Content-Type unless one is given (fetch adds text/plain to a string body). */
function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Response> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return fetch(url, { method: 'POST', body: new Blob([new Uint8Array(bytes)]), headers });
}

describe('rights: Clear Key redemption (real apps, real Postgres)', () => {
  const stack = useStack();
  let auth: string;
  let account: number;
  let url: string;

  beforeAll(async () => {
    const created = await stack.admin.createAccount({ name: 'CK', credits: null, widevine: true, fairplay: true });
    auth = created.authenticators.test;
    account = created.account.number;
    url = await ckTokenUrl(stack, auth, '&cookie=ck-1');
  });

  it('token-gen answers a rights URL on /hms/ck/rights/', () => {
    expect(url).toMatch(new RegExp(`^${stack.rightsUrl}/hms/ck/rights/\\?ExpressPlayToken=[A-Za-z0-9_-]+$`));
  });

  it("answers a license request with a JSON Web Key Set whose k decrypts the token's content", async () => {
    const response = await post(url, request([b64url(KID)]), { 'content-type': 'application/json' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = await response.text();
    expect(text).not.toContain('=');
    const body = JSON.parse(text);
    expect(body).toEqual({ keys: [{ kty: 'oct', kid: b64url(KID), k: expect.any(String) }], type: 'temporary' });
    // A sample encrypted as CENC does (AES-128-CTR) under the content key opens with the k the player got.
    const iv = randomBytes(16);
    const sample = Buffer.from('a media sample of thirty-two by.');
    const encrypted = createCipheriv('aes-128-ctr', Buffer.from(KEY, 'hex'), iv).update(sample);
    const k = Buffer.from(body.keys[0].k, 'base64url');
    expect(createDecipheriv('aes-128-ctr', k, iv).update(encrypted)).toEqual(sample);
  });

  it.each([
    ['padded base64url', `${b64url(KID)}==`],
    ['standard base64', b64(KID).replace(/=+$/, '')],
    ['padded standard base64', b64(KID)],
  ])('takes a kid in %s and answers it unpadded', async (_name, kid) => {
    const response = await post(url, request([kid]), { 'content-type': 'text/plain' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Json).keys[0].kid).toBe(b64url(KID));
  });

  it('reads a body sent with no Content-Type (Chromium, Shaka) and answers with CORS headers', async () => {
    const response = await post(url, request([b64url(KID)]), { origin: 'https://player.example' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Json).keys).toHaveLength(1);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://player.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
  });

  it("answers only the token's kid, and refuses a request naming none of it with -8004", async () => {
    const both = await post(url, request([b64url(OTHER_KID), b64url(KID)]));
    expect(((await both.json()) as Json).keys.map((jwk: Json) => jwk.kid)).toEqual([b64url(KID)]);
    const none = await post(url, request([b64url(OTHER_KID)]), { origin: 'https://player.example' });
    expect(none.status).toBe(400);
    expect(none.headers.get('access-control-allow-origin')).toBe('*');
    const error = (await none.json()) as Json;
    expect(error).toEqual({
      code: -8004,
      message:
        "[-8004] No requested key ID is in the token: the request names 1 key ID(s), none of them the token's kid",
    });
  });

  it('acknowledges a release without charging a credit', async () => {
    const limited = await stack.admin.createAccount({ name: 'CK1', credits: 1n, widevine: true, fairplay: true });
    const limitedUrl = await ckTokenUrl(stack, limited.authenticators.test);
    const release = await post(limitedUrl, JSON.stringify({ kids: [b64url(KID)] }));
    expect(release.status).toBe(200);
    expect(await release.json()).toEqual({ kids: [b64url(KID)] });
    // The one credit is still there for the license, and then spent.
    expect((await post(limitedUrl, request([b64url(KID)]))).status).toBe(200);
    const spent = await post(limitedUrl, request([b64url(KID)]));
    expect([spent.status, ((await spent.json()) as Json).code]).toEqual([400, -2019]);
  });

  it.each([
    ['bad JSON', '{"kids":['],
    ['not an object', '[]'],
    ['no kids', '{"type":"temporary"}'],
    ['a kid of the wrong length', request(['AAAA'])],
    ['an unknown session type', request([b64url(KID)], 'persistent-usage-record')],
    ['bytes outside ASCII', Buffer.from([0x7b, 0xff, 0x7d])],
    ['an empty body', ''],
    ['a body over the parser limit', `{"kids":["${b64url(KID)}"],"type":"temporary","pad":"${'x'.repeat(17_000)}"}`],
  ])('refuses %s with -8003 (400), never a 500', async (_name, body) => {
    const response = await post(url, body, { 'content-type': 'application/json' });
    expect(response.status).toBe(400);
    const error = (await response.json()) as Json;
    expect(error.code).toBe(-8003);
    expect(error.message).toMatch(/^\[-8003\] Invalid Clear Key license request: /);
  });

  it('refuses an expired token and a token of another DRM with -4010', async () => {
    const ring = parseKeyRing(stack.rightsConfig.TOKEN_KEYS);
    const now = Math.floor(Date.now() / 1000);
    const expired = sealToken(
      {
        tokenId: randomBytes(16),
        account,
        environment: 'test',
        issuedAt: now - 120,
        expiresAt: now - 60,
        cookie: null,
        kid: Buffer.from(KID, 'hex'),
        contentKey: Buffer.from(KEY, 'hex'),
        drm: 'ck',
        iv: null,
        policy: { drm: 'ck', extensions: [] },
      },
      ring,
    );
    const old = await post(`${stack.rightsUrl}/hms/ck/rights/?ExpressPlayToken=${expired}`, request([b64url(KID)]));
    expect([old.status, await old.json()]).toEqual([
      401,
      { code: -4010, message: '[-4010] Invalid token: token expired' },
    ]);

    const wvUrl = await (
      await fetch(
        `${stack.tokenGenUrl}/hms/wv/token?customerAuthenticator=${encodeURIComponent(auth)}&kid=${KID}&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0`,
      )
    ).text();
    const token = wvUrl.slice(wvUrl.indexOf('=') + 1);
    const wrong = await post(`${stack.rightsUrl}/hms/ck/rights/?ExpressPlayToken=${token}`, request([b64url(KID)]));
    expect([wrong.status, await wrong.json()]).toEqual([
      401,
      { code: -4010, message: '[-4010] Invalid token: the token is for Widevine' },
    ]);
    // And the other way round: a Clear Key token on the Widevine route.
    const onWidevine = await post(url.replace('/hms/ck/', '/hms/wv/'), Buffer.alloc(0), { accept: 'application/json' });
    expect(await onWidevine.json()).toEqual({
      code: -4010,
      message: '[-4010] Invalid token: the token is for Clear Key',
    });
  });

  it('refuses a disabled account (-2031) and an account with Clear Key off (-8001)', async () => {
    const created = await stack.admin.createAccount({ name: 'CK off', credits: null, widevine: true, fairplay: true });
    const number = created.account.number;
    const offUrl = await ckTokenUrl(stack, created.authenticators.test);
    await stack.admin.setOptions(number, { clearKeyEnabled: false });
    const off = await post(offUrl, request([b64url(KID)]));
    expect([off.status, await off.json()]).toEqual([
      400,
      { code: -8001, message: '[-8001] Clear Key option disabled' },
    ]);
    await stack.admin.setOptions(number, { clearKeyEnabled: true });
    await stack.admin.setStatus(number, 'disabled');
    const disabled = await post(offUrl, request([b64url(KID)]));
    expect([disabled.status, ((await disabled.json()) as Json).code]).toEqual([401, -2031]);
    await stack.admin.setStatus(number, 'active');
    expect((await post(offUrl, request([b64url(KID)]))).status).toBe(200);
  });

  it('leaves audit rows with drm ck, the kid and the outcome, and never the key', async () => {
    const rows = (await auditRows(stack.pool)).filter((row) => row.drm === 'ck');
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      const text = JSON.stringify(row).toLowerCase();
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(b64url(KEY).toLowerCase());
    }
    const mine = rows.filter((row) => row.account_number === account && row.cookie === 'ck-1');
    expect(mine.map((row) => [row.request_type, row.result_code])).toEqual(
      expect.arrayContaining([
        ['new', 0],
        ['new', -8004],
        [null, -8003], // the request type of an unreadable message is unknown
      ]),
    );
    expect(mine.every((row) => row.kid === KID)).toBe(true);
  });

  it("shows the Clear Key redemptions in the account's record retrieval", async () => {
    const response = await fetch(
      `${stack.tokenGenUrl}/cmiapi/getrecord/?customerAuthenticator=${encodeURIComponent(auth)}&errorFormat=json&cookie=ck-1`,
    );
    expect(response.status).toBe(200);
    const records = ((await response.json()) as Json).records as Json[];
    const issuance = records.find((record) => record.kind === 'issuance');
    expect(issuance).toMatchObject({ drm: 'ck', kid: KID, cookie: 'ck-1', resultCode: 0 });
    const delivered = records.filter((record) => record.kind === 'redemption' && record.resultCode === 0);
    expect(delivered.length).toBeGreaterThan(0);
    expect(delivered[0]).toMatchObject({ drm: 'ck', kid: KID, requestType: 'new', tokenId: issuance.tokenId });
    expect(JSON.stringify(records)).not.toContain(KEY);
  });
});
