import { openToken, parseKeyRing } from '@openplay/core';
import { auditRows, useTokenGen } from './support/token-gen-harness';

type Json = any;

const KEY = '000102030405060708090a0b0c0d0e0f';
const KID = 'b366360da82e9c6e0b0984002a362cf2';
const IV = 'ffeeddccbbaa99887766554433221100';
const QUERIES = {
  wv: `kid=${KID}&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0`,
  fp: `contentKey=${KEY}&iv=${IV}`,
  ck: `kid=${KID}&contentKey=${KEY}`,
} as const;
const DRMS = ['wv', 'fp', 'ck'] as const;

describe('token-gen: useLimit on /hms/{wv,fp,ck}/token (real app, real Postgres)', () => {
  const tg = useTokenGen();
  let auth: string;

  beforeAll(async () => {
    const created = await tg.admin.createAccount({ name: 'Limits', credits: null, widevine: true, fairplay: true });
    auth = encodeURIComponent(created.authenticators.test);
  });

  const issue = (drm: (typeof DRMS)[number], extra: string) =>
    fetch(`${tg.baseUrl}/hms/${drm}/token?customerAuthenticator=${auth}&${QUERIES[drm]}${extra}&errorFormat=json`);
  const claimsOf = async (response: Response) => {
    const url = await response.text();
    const token = url.slice(url.indexOf('ExpressPlayToken=') + 'ExpressPlayToken='.length);
    return openToken(token, parseKeyRing(tg.config.TOKEN_KEYS), Math.floor(Date.now() / 1000));
  };

  it.each(DRMS)('%s: carries useLimit=1 and useLimit=1000000 in the token', async (drm) => {
    for (const limit of [1, 1_000_000]) {
      const response = await issue(drm, `&useLimit=${limit}&cookie=limit-${drm}`);
      expect(response.status).toBe(200);
      expect((await claimsOf(response)).useLimit).toBe(limit);
    }
  });

  it.each(DRMS)('%s: a token without useLimit has no limit', async (drm) => {
    const response = await issue(drm, '');
    expect(response.status).toBe(200);
    expect((await claimsOf(response)).useLimit).toBeUndefined();
  });

  it.each(
    DRMS.flatMap((drm) => ['', '0', '-1', '1000001', '2.5', 'once', '1e3'].map((value) => [drm, value] as const)),
  )('%s: refuses useLimit=%p with -9001 (400) and an audit row', async (drm, value) => {
    const cookie = `bad-${drm}-${Buffer.from(value).toString('hex')}`;
    const response = await issue(drm, `&useLimit=${encodeURIComponent(value)}&cookie=${cookie}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as Json;
    expect(body.code).toBe(-9001);
    expect(body.message).toContain('[-9001] Invalid use limit');
    // A refused request's row has no cookie yet (it is set once every parameter passed): the newest row is its.
    const row = (await auditRows(tg.pool)).at(-1);
    expect(row).toMatchObject({ kind: 'issuance', drm, result_code: -9001 });
  });

  it('lists useLimit and -9001 in the OpenAPI document', async () => {
    const text = JSON.stringify(await (await fetch(`${tg.baseUrl}/docs/json`)).json());
    expect(text).toContain('useLimit');
    expect(text).toContain('-9001');
  });
});
