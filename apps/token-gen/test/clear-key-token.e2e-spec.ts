import { aesKeyWrap, openToken, parseKeyRing } from '@openplay/core';
import { auditRows, RIGHTS_URL, useTokenGen } from './support/token-gen-harness';

type Json = any;

const KEY = '000102030405060708090a0b0c0d0e0f';
const KID = 'b366360da82e9c6e0b0984002a362cf2';
const KEK = 'ffeeddccbbaa99887766554433221100';
const EK = aesKeyWrap(Buffer.from(KEK, 'hex'), Buffer.from(KEY, 'hex')).toString('hex');

describe('token-gen: Clear Key tokens /hms/ck/token (real app, real Postgres)', () => {
  const tg = useTokenGen();
  let auth: string;
  let number: number;

  beforeAll(async () => {
    const created = await tg.admin.createAccount({ name: 'CK', credits: null, widevine: false, fairplay: false });
    auth = encodeURIComponent(created.authenticators.test);
    number = created.account.number;
  });

  const get = (path: string, init?: RequestInit) => fetch(`${tg.baseUrl}${path}`, init);
  const claimsOf = (url: string) => {
    const prefix = `${RIGHTS_URL}/hms/ck/rights/?ExpressPlayToken=`;
    expect(url.startsWith(prefix)).toBe(true);
    return openToken(url.slice(prefix.length), parseKeyRing(tg.config.TOKEN_KEYS), Math.floor(Date.now() / 1000));
  };
  const refusal = async (response: Response): Promise<[number, number]> => [
    response.status,
    ((await response.json()) as Json).code,
  ];

  it('issues a token by GET whose claims are the kid, the key, expiry and cookie (Widevine and FairPlay off)', async () => {
    const response = await get(
      `/hms/ck/token?customerAuthenticator=${auth}&kid=${KID}&contentKey=${KEY}&cookie=ck-get&expirationTime=%2B600`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/uri-list');
    const claims = claimsOf(await response.text());
    expect(claims).toMatchObject({ drm: 'ck', iv: null, cookie: 'ck-get', policy: { drm: 'ck', extensions: [] } });
    expect(claims.expiresAt - claims.issuedAt).toBe(600);
    expect(claims.kid?.toString('hex')).toBe(KID);
    expect(claims.contentKey.toString('hex')).toBe(KEY);
    const row = (await auditRows(tg.pool)).find((r) => r.token_id === claims.tokenId.toString('hex'));
    expect(row).toMatchObject({ kind: 'issuance', drm: 'ck', result_code: 0, cookie: 'ck-get', kid: KID });
  });

  it('issues by POST form, with kek+ek, and with kek+kid from key storage', async () => {
    const posted = await get('/hms/ck/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `customerAuthenticator=${auth}&kid=%5Emovie-42&kek=${KEK}&ek=${EK}`,
    });
    expect(posted.status).toBe(200);
    expect(claimsOf(await posted.text()).contentKey.toString('hex')).toBe(KEY);

    // Key storage makes the key; the token by kek+kid carries the one it holds.
    const stored = await get(`/keystore/keys?customerAuthenticator=${auth}&kek=${KEK}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kid: KID }),
    });
    expect(stored.status).toBe(201);
    const { k } = (await stored.json()) as { k: string };
    const byStore = await get(`/hms/ck/token?customerAuthenticator=${auth}&kid=${KID}&kek=${KEK}`);
    expect(byStore.status).toBe(200);
    expect(claimsOf(await byStore.text()).contentKey.toString('hex')).toBe(k.toLowerCase());
  });

  it.each([
    ['no kid', `contentKey=${KEY}`, -4018],
    ['a bad kid', `kid=xyz&contentKey=${KEY}`, -4022],
    ['no key', `kid=${KID}`, -2005],
    ['a short contentKey', `kid=${KID}&contentKey=0011`, -2027],
    ['ek without kek', `kid=${KID}&ek=${EK}`, -4024],
    ['an unknown stored kid', `kid=${'ab'.repeat(16)}&kek=${KEK}`, -4019],
    ['a bad expirationTime', `kid=${KID}&contentKey=${KEY}&expirationTime=soon`, -2002],
    ['a control character in the cookie', `kid=${KID}&contentKey=${KEY}&cookie=a%0Ab`, -2033],
    ['securityLevel', `kid=${KID}&contentKey=${KEY}&securityLevel=1`, -8002],
    ['hdcpOutputControl', `kid=${KID}&contentKey=${KEY}&hdcpOutputControl=0`, -8002],
    ['licenseDuration', `kid=${KID}&contentKey=${KEY}&licenseDuration=60`, -8002],
    ['an extension', `kid=${KID}&contentKey=${KEY}&wvExtension=wudo,AAAAAA%3D%3D`, -8002],
    ['device binding', `kid=${KID}&contentKey=${KEY}&deviceId=x`, -8002],
  ])('refuses %s with its code', async (_name, query, code) => {
    const response = await get(`/hms/ck/token?customerAuthenticator=${auth}&errorFormat=json&${query}`);
    expect(await refusal(response)).toEqual([400, code]);
  });

  it('ignores the other DRMs parameters that restrict nothing (iv, contentId, rightsType)', async () => {
    const response = await get(
      `/hms/ck/token?customerAuthenticator=${auth}&kid=${KID}&contentKey=${KEY}&iv=${KEY}&contentId=x&rightsType=Rental`,
    );
    expect(response.status).toBe(200);
  });

  it('refuses an account with Clear Key off (-8001), a disabled one (-2031), one without credits (-2019)', async () => {
    const query = `/hms/ck/token?customerAuthenticator=${auth}&errorFormat=json&kid=${KID}&contentKey=${KEY}`;
    await tg.admin.setOptions(number, { clearKeyEnabled: false });
    const off = await get(query);
    expect([off.status, await off.json()]).toEqual([
      400,
      { code: -8001, message: '[-8001] Clear Key option disabled' },
    ]);
    // The switch comes before the parameters, as Widevine's does.
    expect(await refusal(await get(`${query}&securityLevel=1`))).toEqual([400, -8001]);
    await tg.admin.setOptions(number, { clearKeyEnabled: true });
    await tg.admin.setStatus(number, 'disabled');
    expect(await refusal(await get(query))).toEqual([401, -2031]);
    await tg.admin.setStatus(number, 'active');
    await tg.admin.setCredits(number, 0n);
    expect(await refusal(await get(query))).toEqual([400, -2019]);
    await tg.admin.setCredits(number, null);
    expect((await get(query)).status).toBe(200);
  });

  it('an account created with Clear Key off is refused from the start', async () => {
    const created = await tg.admin.createAccount({
      name: 'No CK',
      credits: null,
      widevine: true,
      fairplay: true,
      clearKey: false,
    });
    expect(created.account.clearKeyEnabled).toBe(false);
    const response = await get(
      `/hms/ck/token?customerAuthenticator=${encodeURIComponent(created.authenticators.test)}&errorFormat=json&kid=${KID}&contentKey=${KEY}`,
    );
    expect(await refusal(response)).toEqual([400, -8001]);
  });

  it('never writes the key in an audit row', async () => {
    const rows = (await auditRows(tg.pool)).filter((row) => row.drm === 'ck');
    expect(rows.length).toBeGreaterThan(15);
    for (const row of rows) expect(JSON.stringify(row)).not.toContain(KEY);
  });
});
