import { openToken, parseKeyRing } from '@openplay/core';
import { auditRows, useTokenGen } from './support/token-gen-harness';

type Json = any;

// Persistent (offline-capable) tokens on token-gen: docs/api.md §14, docs/decisions/0022-offline-licenses.md.

const KEY = '000102030405060708090a0b0c0d0e0f';
const KID = 'b366360da82e9c6e0b0984002a362cf2';
const IV = 'ffeeddccbbaa99887766554433221100';
const QUERIES = {
  wv: `kid=${KID}&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0`,
  fp: `contentKey=${KEY}&iv=${IV}`,
  ck: `kid=${KID}&contentKey=${KEY}`,
} as const;

describe('token-gen: persistent tokens (real app, real Postgres)', () => {
  const tg = useTokenGen();
  let auth: string;

  beforeAll(async () => {
    const created = await tg.admin.createAccount({ name: 'Offline', credits: null, widevine: true, fairplay: true });
    auth = encodeURIComponent(created.authenticators.test);
  });

  const issue = (drm: keyof typeof QUERIES, extra: string) =>
    fetch(`${tg.baseUrl}/hms/${drm}/token?customerAuthenticator=${auth}&${QUERIES[drm]}&${extra}&errorFormat=json`);
  const policyOf = async (response: Response) => {
    expect(response.status).toBe(200);
    const url = await response.text();
    const token = url.slice(url.indexOf('ExpressPlayToken=') + 'ExpressPlayToken='.length);
    return openToken(token, parseKeyRing(tg.config.TOKEN_KEYS), Math.floor(Date.now() / 1000)).policy;
  };

  it('Widevine: persistent=true carries the rental duration; without it a rentalDuration is ignored, as before', async () => {
    expect(
      await policyOf(await issue('wv', 'persistent=true&rentalDuration=604800&licenseDuration=86400')),
    ).toMatchObject({ licenseDuration: 86400, offline: { rentalDuration: 604800 } });
    expect(await policyOf(await issue('wv', 'rentalDuration=604800'))).not.toHaveProperty('offline');
  });

  it('FairPlay: persistent=true carries the playback duration next to rentalDuration', async () => {
    expect(await policyOf(await issue('fp', 'persistent=true&rentalDuration=2592000&playbackDuration=86400'))).toEqual({
      drm: 'fp',
      rentalDuration: 2592000,
      rightsType: null,
      extensions: [],
      offline: { playbackDuration: 86400 },
    });
  });

  it.each([
    ['wv', 'persistent=1', -11001],
    ['fp', 'persistent=', -11001],
    ['fp', 'playbackDuration=60', -11001],
    ['wv', 'persistent=true&rentalDuration=2147483648', -6007],
    ['ck', 'persistent=true', -8002],
  ] as const)('%s %s → %i (400) with an audit row', async (drm, extra, code) => {
    const response = await issue(drm, extra);
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).code).toBe(code);
    expect((await auditRows(tg.pool)).at(-1)).toMatchObject({ kind: 'issuance', drm, result_code: code });
  });

  it('lists persistent, playbackDuration and -11001 in the OpenAPI document', async () => {
    const text = JSON.stringify(await (await fetch(`${tg.baseUrl}/docs/json`)).json());
    for (const word of ['persistent', 'playbackDuration', '-11001', '-11002']) expect(text).toContain(word);
  });
});
