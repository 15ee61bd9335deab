import { randomBytes } from 'node:crypto';
import { encodeSpc, type SpcDraft } from '@openplay/drm/testing';
import { FairPlayConstants } from '@openplay/drm';
import { clientSecretsOf, CREDENTIALS_JSON, DEV_CERTIFICATE, DEV_DASK, readCkc } from './support/fairplay-client';
import { auditRows, tokenUrl, useStack } from './support/stack';

// Multi-key FairPlay tokens over real HTTP with Apple's development credentials: the SPC's asset id (the skd://
// content id) chooses the one key the CKC carries (docs/api.md §12).

const { SPC_TAG } = FairPlayConstants;
const FIRST_PLAYBACK = 0xf4dee5a2;

function spcFor(assetId: Buffer, change: Partial<SpcDraft> = {}): Buffer {
  const deviceInfo = Buffer.alloc(16);
  deviceInfo.write('8551fd5e31f479b3', 0, 'hex'); // iOS
  deviceInfo.writeUInt32BE(0x00110401, 8); // 17.4.1
  deviceInfo.writeUInt32BE(1, 12);
  return encodeSpc({
    certificate: DEV_CERTIFICATE,
    dask: DEV_DASK,
    assetId,
    playbackState: { creationDate: Math.floor(Date.now() / 1000), state: FIRST_PLAYBACK },
    extraTllvs: [{ tag: SPC_TAG.deviceInfo, value: deviceInfo }],
    ...change,
  });
}

const post = (url: string, body: Buffer) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });

describe('rights: multi-key FairPlay tokens (real apps, real Postgres, Apple development credentials)', () => {
  const stack = useStack(() => ({ FAIRPLAY_CREDENTIALS: CREDENTIALS_JSON }));
  const hexKid = randomBytes(16).toString('hex');
  const keys = {
    hex: { key: randomBytes(16).toString('hex'), iv: randomBytes(16).toString('hex') },
    named: { key: randomBytes(16).toString('hex') },
  };
  const IV = randomBytes(16).toString('hex');
  let url: string;

  beforeAll(async () => {
    const created = await stack.admin.createAccount({ name: 'MKFP', credits: null, widevine: true, fairplay: true });
    const query = new URLSearchParams([
      ['customerAuthenticator', created.authenticators.test],
      // skd://<kid hex> with its own IV; skd://movie-42 for the ^movie-42 kid, with the request's iv.
      ['key', `${hexKid},${keys.hex.key},${keys.hex.iv}`],
      ['key', `^movie-42,${keys.named.key}`],
      ['iv', IV],
      ['cookie', 'fp-multi-key'],
    ]);
    url = await tokenUrl(stack, 'fp', query.toString());
  });

  it.each([
    ['the kid in hex', () => Buffer.from(hexKid.toUpperCase()), () => keys.hex.key, () => keys.hex.iv],
    ['a ^name kid by its name', () => Buffer.from('movie-42'), () => keys.named.key, () => IV],
  ])('answers an SPC whose asset id is %s with exactly that key', async (_name, assetId, key, iv) => {
    const spc = spcFor(assetId());
    const response = await post(url, spc);
    expect(response.status).toBe(200);
    const read = readCkc(Buffer.from(await response.arrayBuffer()), clientSecretsOf(spc));
    expect(read.contentKey.toString('hex')).toBe(key());
    expect(read.iv.toString('hex')).toBe(iv());
  });

  it('refuses an asset id the token has no key for with -10005, and records it', async () => {
    const response = await fetch(`${url}&errorFormat=json`, {
      method: 'POST',
      body: spcFor(Buffer.from('movie-43')),
      headers: { 'content-type': 'application/octet-stream' },
    });
    const body = (await response.json()) as { code: number; message: string };
    expect([response.status, body.code]).toEqual([400, -10005]);
    expect(body.message).toBe(
      '[-10005] Asset ID not in token: the SPC\'s asset id "movie-43" names no key of the token',
    );
    const rows = (await auditRows(stack.pool)).filter((row) => row.cookie === 'fp-multi-key');
    expect(rows.map((row) => row.result_code)).toEqual([0, 0, -10005]);
    expect(rows[0].device).toMatchObject({ assetId: hexKid.toUpperCase(), deliveredKid: hexKid });
    expect(rows[1].device).toMatchObject({ assetId: 'movie-42' });
    expect(JSON.stringify(rows)).not.toContain(keys.hex.key);
  });
});
