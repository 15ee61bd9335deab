import { randomBytes } from 'node:crypto';
import { encodeSpc } from '@openplay/drm/testing';
import { clientSecretsOf, CREDENTIALS_JSON, DEV_CERTIFICATE, DEV_DASK, readCkc } from './support/fairplay-client';
import { tokenUrl, useStack } from './support/stack';

type Row = Record<string, any>;
const USED_UP = { code: -9002, message: '[-9002] Token use limit reached: the token has no use left' };
const RETRY = 'a retry of a request that used the token: not another use';

const post = (url: string, body: Buffer | string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', body: new Blob([new Uint8Array(Buffer.from(body))]), headers });
const bytesOf = async (response: Response) => Buffer.from(await response.arrayBuffer());

/**
 * Use limits share one code path for every DRM (the ledger decides), but each DRM names its own retry identity and its
 * own kind of use: these tests hold FairPlay and Clear Key to the same promises as the Widevine ones, over HTTP.
 */
describe('FairPlay and Clear Key use-limited tokens over HTTP (real Postgres)', () => {
  const stack = useStack(() => ({ FAIRPLAY_CREDENTIALS: CREDENTIALS_JSON }));
  let auth: string;

  beforeAll(async () => {
    const created = await stack.admin.createAccount({ name: 'UL', credits: 1000n, widevine: true, fairplay: true });
    auth = encodeURIComponent(created.authenticators.test);
  });

  const cookieOf = new Map<string, string>();
  const rowsOf = async (url: string): Promise<Row[]> => {
    const { rows } = await stack.pool.query(
      `SELECT result_code, message, request_type FROM audit_events
        WHERE kind = 'redemption' AND token_id = (
          SELECT token_id FROM audit_events WHERE kind = 'issuance' AND cookie = $1)
        ORDER BY id`,
      [cookieOf.get(url)],
    );
    return rows;
  };
  const issue = async (drm: 'fp' | 'ck', query: string) => {
    const cookie = `ul-${randomBytes(6).toString('hex')}`;
    const url =
      drm === 'fp'
        ? await tokenUrl(stack, 'fp', `customerAuthenticator=${auth}&${query}&cookie=${cookie}`)
        : await (async () => {
            const response = await fetch(
              `${stack.tokenGenUrl}/hms/ck/token?customerAuthenticator=${auth}&errorFormat=json&${query}&cookie=${cookie}`,
            );
            expect(response.status).toBe(200);
            return response.text();
          })();
    cookieOf.set(url, cookie);
    return url;
  };
  const credits = async () =>
    (await stack.pool.query("SELECT credits::int AS c FROM accounts WHERE name = 'UL'")).rows[0].c as number;

  it('a one-time FairPlay token: 1 CKC of 12 concurrent SPCs, the same SPC retried is answered again', async () => {
    const key = randomBytes(16);
    const iv = randomBytes(16);
    const url = await issue('fp', `contentKey=${key.toString('hex')}&iv=${iv.toString('hex')}&useLimit=1`);
    const spcs = Array.from({ length: 12 }, () =>
      encodeSpc({ certificate: DEV_CERTIFICATE, dask: DEV_DASK, assetId: Buffer.from('movie-42') }),
    );
    const before = await credits();
    const responses = await Promise.all(spcs.map((spc) => post(url, spc)));
    const winners = responses.flatMap((response, i) => (response.status === 200 ? [i] : []));
    expect(winners).toHaveLength(1);
    const [w] = winners;
    const ckc = readCkc(await bytesOf(responses[w]), clientSecretsOf(spcs[w]));
    expect(ckc.contentKey).toEqual(key);
    expect(ckc.iv).toEqual(iv);
    const refusals = await Promise.all(
      responses.filter((_, i) => i !== w).map(async (r) => ({ status: r.status, body: await r.json() })),
    );
    expect(refusals).toEqual(Array.from({ length: 11 }, () => ({ status: 403, body: USED_UP })));

    // The player's retry of the same SPC: a CKC again, built afresh, that the same client session opens.
    const retry = await post(url, spcs[w]);
    expect(retry.status).toBe(200);
    expect(readCkc(await bytesOf(retry), clientSecretsOf(spcs[w])).contentKey).toEqual(key);
    expect(before - (await credits())).toBe(1);

    const rows = await rowsOf(url);
    expect(rows.filter((row) => row.result_code === 0)).toHaveLength(2);
    expect(rows.filter((row) => row.result_code === -9002)).toHaveLength(11);
    expect(rows.filter((row) => row.message === RETRY)).toHaveLength(1);
  });

  it('a FairPlay limit of 2 delivers 2 of 8 concurrent SPCs and spends 2 credits', async () => {
    const url = await issue('fp', `contentKey=${randomBytes(16).toString('hex')}&iv=${'00'.repeat(16)}&useLimit=2`);
    const before = await credits();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => post(url, encodeSpc({ certificate: DEV_CERTIFICATE, dask: DEV_DASK }))),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 403, 403, 403, 403, 403, 403]);
    expect(before - (await credits())).toBe(2);
  });

  describe('Clear Key', () => {
    const KID = randomBytes(16);
    const KEY = randomBytes(16);
    const body = JSON.stringify({ kids: [KID.toString('base64url')], type: 'temporary' });
    const keyOf = async (response: Response) => Buffer.from(((await response.json()) as Row).keys[0].k, 'base64url');
    const from = (agent: string) => ({ 'user-agent': agent });

    it('a one-time token: one player gets the key and its retry, a second player with the same body does not', async () => {
      const url = await issue('ck', `kid=${KID.toString('hex')}&contentKey=${KEY.toString('hex')}&useLimit=1`);
      const first = await post(url, body, from('player-a'));
      expect(first.status).toBe(200);
      expect(await keyOf(first)).toEqual(KEY);
      // A Clear Key body has no nonce: only the caller tells a retry from another player asking the same.
      const again = await post(url, body, from('player-a'));
      expect(again.status).toBe(200);
      expect(await keyOf(again)).toEqual(KEY);
      const other = await post(url, body, from('player-b'));
      expect({ status: other.status, body: await other.json() }).toEqual({ status: 403, body: USED_UP });

      const rows = await rowsOf(url);
      expect(rows.map((row) => [row.result_code, row.message])).toEqual([
        [0, null],
        [0, RETRY],
        [-9002, expect.any(String)],
      ]);
    });

    it('a release does not use the token', async () => {
      const url = await issue('ck', `kid=${KID.toString('hex')}&contentKey=${KEY.toString('hex')}&useLimit=1`);
      // A release (no `type`: Chromium's release message) is acknowledged, and the license still comes after it.
      const ack = await post(url, JSON.stringify({ kids: [KID.toString('base64url')] }), from('player-c'));
      expect(ack.status).toBe(200);
      expect(await ack.json()).toEqual({ kids: [KID.toString('base64url')] });
      const license = await post(url, body, from('player-c'));
      expect(license.status).toBe(200);
      expect(await keyOf(license)).toEqual(KEY);
    });
  });
});
