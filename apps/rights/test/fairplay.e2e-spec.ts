import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FairPlayConstants } from '@openplay/drm';
import { encodeSpc, FAIRPLAY_FIXTURES_DIR, type SpcDraft } from '@openplay/drm/testing';
import {
  clientSecretsOf,
  CREDENTIALS_JSON,
  DEV_CERTIFICATE,
  DEV_DASK,
  FAIRPLAY_FIXTURES,
  fixture,
  readCkc,
} from './support/fairplay-client';
import { auditRows, type Stack, tokenUrl, useStack } from './support/stack';
import { validateRightsConfig } from '../src/config/rights.config';
import { createCryptoImplementation } from '../src/drm/drm.module';

const json = async (response: Response): Promise<any> => response.json();
const { SPC_TAG, CKC_TAG, KEY_TYPE, KEY_DURATION_RESERVED } = FairPlayConstants;

// Apple's FPS Server SDK 4.1.0 vectors (packages/drm/test/fixtures/fairplay/README.md): FPS/ckc1 answers FPS/spc1 with
// CK 3b×16 and this IV; FPS/ckc2 and FPS-Lease/ckc1 answer with CK "1111111111111111", IV "TheQuickBrownFox".
const SPC1 = fixture('fps-spc1.bin');
const SPC2 = fixture('fps-spc2.bin');
const LEASE_SPC1 = fixture('fps-lease-spc1.bin');
const CK1 = '3b'.repeat(16);
const IV1 = 'd5fbd6b82ed93e4ef98ae40931ee33b7';
const CK2 = Buffer.from('1111111111111111').toString('hex');
const IV2 = Buffer.from('TheQuickBrownFox').toString('hex');

const FIRST_PLAYBACK = 0xf4dee5a2;
const STOPPED = 0x5991bf20;

/** An SPC as an iOS 17.4.1 client playing over AirPlay would send it, for the development certificate. */
function draftSpc(change: Partial<SpcDraft> = {}): Buffer {
  const deviceInfo = Buffer.alloc(16);
  deviceInfo.write('8551fd5e31f479b3', 0, 'hex'); // iOS
  deviceInfo.writeUInt32BE(0x00110401, 8); // 17.4.1
  deviceInfo.writeUInt32BE(1, 12);
  return encodeSpc({
    certificate: DEV_CERTIFICATE,
    dask: DEV_DASK,
    assetId: Buffer.from('movie-42'),
    playbackState: { creationDate: Math.floor(Date.now() / 1000), state: FIRST_PLAYBACK },
    extraTllvs: [
      { tag: SPC_TAG.deviceInfo, value: deviceInfo },
      { tag: SPC_TAG.streamingIndicator, value: Buffer.from('abb0256a31843974', 'hex') }, // AirPlay
    ],
    ...change,
  });
}

/** The TLLV at `index` of a plaintext SPC payload starts at this offset (encodeSpc's fixed sizes). */
const tllvBlock = (payload: Buffer, index: number): number => {
  let at = 0;
  for (let i = 0; i < index; i++) at += 16 + payload.readUInt32BE(at + 8);
  return at;
};

async function issue(stack: Stack, auth: string, query: string): Promise<string> {
  return tokenUrl(stack, 'fp', `customerAuthenticator=${auth}&${query}`);
}

const post = (
  url: string,
  body: Buffer | string,
  contentType = 'application/octet-stream',
  headers: Record<string, string> = {},
) => fetch(url, { method: 'POST', body, headers: { 'content-type': contentType, ...headers } });

const bytesOf = async (response: Response) => Buffer.from(await response.arrayBuffer());

describe('rights: FairPlay redemption (real apps, real Postgres, Apple development credentials)', () => {
  const stack = useStack(() => ({ FAIRPLAY_CREDENTIALS: CREDENTIALS_JSON }));
  let auth: string;
  let account: number;
  let url1: string; // CK1/IV1
  let url2: string; // CK2/IV2

  beforeAll(async () => {
    const created = await stack.admin.createAccount({ name: 'FP', credits: null, widevine: true, fairplay: true });
    auth = encodeURIComponent(created.authenticators.test);
    account = created.account.number;
    url1 = await issue(stack, auth, `contentKey=${CK1}&iv=${IV1}&cookie=fp-1`);
    url2 = await issue(stack, auth, `contentKey=${CK2}&iv=${IV2}&cookie=fp-2`);
  });

  describe('CKCs', () => {
    it("the test's client side recovers Apple's published internals of FPS/spc1", () => {
      const secrets = clientSecretsOf(SPC1);
      expect(secrets.sk.toString('hex')).toBe('afb46e7bf5f31596c1c676dc15e14dc6');
      expect(secrets.antiReplayKey.toString('hex')).toBe('cb0d802549396b9c8d636d5e64594cbe');
      expect(secrets.r1.toString('hex')).toBe(
        '2752008e1c11e224e8eb07eec4a09d17440a6372d5dc2109e550ecac9860613f8b7a8be6b45a69832d9e8ce7',
      );
    });

    it.each([
      ['FPS/spc1', SPC1, () => url1, CK1, IV1],
      ['FPS/spc2', SPC2, () => url2, CK2, IV2],
      ['FPS-Lease/spc1', LEASE_SPC1, () => url2, CK2, IV2],
    ])("answers Apple's %s with a CKC that holds exactly the token's key and IV", async (_name, spc, url, key, iv) => {
      const response = await post(url(), spc);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/octet-stream');
      const ckc = await bytesOf(response);
      expect(ckc.readUInt32BE(0)).toBe(1);
      const secrets = clientSecretsOf(spc);
      const read = readCkc(ckc, secrets);
      expect(read.contentKey.toString('hex')).toBe(key);
      expect(read.iv.toString('hex')).toBe(iv);
      expect(read.r1.equals(secrets.r1)).toBe(true);
      // A CKC is fresh every time (random IV and paddings) and opens only with this SPC's anti-replay key.
      const again = await bytesOf(await post(url(), spc));
      expect(again.equals(ckc)).toBe(false);
      expect(readCkc(again, secrets).contentKey.toString('hex')).toBe(key);
      expect(() => readCkc(ckc, clientSecretsOf(spc === SPC1 ? SPC2 : SPC1))).toThrow();
    });

    it("echoes the TLLVs spc1's return request asks for (asset, transaction and five unknown tags)", async () => {
      const read = readCkc(await bytesOf(await post(url1, SPC1)), clientSecretsOf(SPC1));
      expect(read.tllvs.get(SPC_TAG.assetId)?.toString('hex')).toBe('aabbccddeeff'.repeat(3));
      expect(read.tllvs.get(SPC_TAG.transactionId)?.toString('hex')).toBe('1473e5cc53e1e5d6');
      expect(read.tags).toHaveLength(2 + 7);
    });

    it('answers an SPC from a client simulator built with encodeSpc', async () => {
      const sk = randomBytes(16);
      const r1 = randomBytes(44);
      const spc = draftSpc({ sk, r1 });
      const read = readCkc(await bytesOf(await post(url1, spc)), clientSecretsOf(spc));
      expect(clientSecretsOf(spc).sk.equals(sk)).toBe(true);
      expect(read.contentKey.toString('hex')).toBe(CK1);
      expect(read.r1.equals(r1)).toBe(true);
    });
  });

  describe('wire forms', () => {
    // An SPC whose base64 ends in '+' with no padding: a form that does not percent-encode it (Apple's Safari
    // sample) delivers that last '+' as a space, which must not be trimmed away.
    let plusSpc: Buffer;
    beforeAll(() => {
      for (let i = 0; i < 10_000 && !plusSpc; i++) {
        const spc = draftSpc({ playbackState: undefined, extraTllvs: [] });
        if (spc.length % 3 === 0 && spc.toString('base64').endsWith('+')) plusSpc = spc;
      }
      expect(plusSpc).toBeDefined();
    });

    const checkCkc = (ckc: Buffer, spc: Buffer) =>
      expect(readCkc(ckc, clientSecretsOf(spc)).contentKey.toString('hex')).toBe(CK1);
    const fromTag = (text: string) => {
      const match = /^\s*<ckc>([A-Za-z0-9+/=]+)<\/ckc>\s*$/.exec(text);
      expect(match).not.toBeNull();
      return Buffer.from(match![1], 'base64');
    };

    it.each([
      ['octet-stream', 'application/octet-stream'],
      ['no useful media type', 'text/plain'],
    ])('raw SPC (%s) → raw CKC', async (_name, type) => {
      const response = await post(url1, SPC1, type);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/octet-stream');
      checkCkc(await bytesOf(response), SPC1);
    });

    it.each([
      ['percent-encoded base64', (spc: Buffer) => `spc=${encodeURIComponent(spc.toString('base64'))}&assetId=one`],
      ["raw base64, '+' arriving as a space", (spc: Buffer) => `assetId=one&spc=${spc.toString('base64')}`],
      ['base64url without padding', (spc: Buffer) => `spc=${spc.toString('base64url')}`],
      [
        'base64 with line breaks',
        (spc: Buffer) => `spc=${encodeURIComponent(spc.toString('base64').replace(/.{76}/g, '$&\r\n'))}`,
      ],
      [
        'the whole pair percent-encoded (spc%3D…, shaka-player #1915)',
        (spc: Buffer) => encodeURIComponent(`spc=${spc.toString('base64')}`),
      ],
    ])('spc= form (%s) → <ckc>base64</ckc>', async (_name, body) => {
      for (const spc of [SPC1, plusSpc]) {
        const response = await post(url1, body(spc), 'application/x-www-form-urlencoded; charset=UTF-8');
        const text = await response.text();
        expect({ status: response.status, text: response.status === 200 ? 'ok' : text }).toEqual({
          status: 200,
          text: 'ok',
        });
        expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
        checkCkc(fromTag(text), spc);
      }
    });

    it('JSON {"spc": base64} → {"ckc": base64}', async () => {
      for (const spc of [SPC1, plusSpc]) {
        const response = await post(
          url1,
          JSON.stringify({ spc: spc.toString('base64'), assetId: 'one' }),
          'application/json',
        );
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
        const body = await json(response);
        expect(Object.keys(body)).toEqual(['ckc']);
        checkCkc(Buffer.from(body.ckc, 'base64'), spc);
      }
    });

    it('takes the token from an ExpressPlayToken header too', async () => {
      const token = new URL(url1).searchParams.get('ExpressPlayToken')!;
      const response = await post(`${stack.rightsUrl}/hms/fp/rights/`, SPC1, 'application/octet-stream', {
        ExpressPlayToken: token,
      });
      expect(response.status).toBe(200);
      checkCkc(await bytesOf(response), SPC1);
    });
  });

  describe('application certificate', () => {
    it('GET /hms/fp/cert serves the DER certificate', async () => {
      const response = await fetch(`${stack.rightsUrl}/hms/fp/cert`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/pkix-cert');
      expect((await bytesOf(response)).equals(DEV_CERTIFICATE)).toBe(true);
    });
  });

  describe('rentalDuration and rightsType → the key duration TLLV', () => {
    const durationOf = async (query: string, spc: Buffer) => {
      const url = await issue(stack, auth, `contentKey=${CK2}&iv=${IV2}&${query}`);
      const response = await post(url, spc);
      expect(response.status).toBe(200);
      const read = readCkc(await bytesOf(response), clientSecretsOf(spc));
      expect(read.contentKey.toString('hex')).toBe(CK2);
      const value = read.tllvs.get(CKC_TAG.keyDuration);
      return (
        value && {
          lease: value.readUInt32BE(0),
          rental: value.readUInt32BE(4),
          type: value.readUInt32BE(8),
          reserved: value.readUInt32BE(12),
        }
      );
    };
    const rental = (seconds: number) => ({
      lease: 0,
      rental: seconds,
      type: KEY_TYPE.rental,
      reserved: KEY_DURATION_RESERVED,
    });

    it.each([
      ['Rental, 3600 s', 'rightsType=Rental&rentalDuration=3600', rental(3600)],
      ['BuyToOwn with 7200 s (a duration is never dropped)', 'rightsType=BuyToOwn&rentalDuration=7200', rental(7200)],
      ['a duration without rightsType', 'rentalDuration=86400', rental(86400)],
      ['Rental with 0 (no limit)', 'rightsType=Rental&rentalDuration=0', undefined],
      ['BuyToOwn', 'rightsType=BuyToOwn', undefined],
      ['no rights parameters', 'cookie=plain', undefined],
    ])('%s', async (_name, query, expected) => {
      expect(await durationOf(query, draftSpc())).toEqual(expected);
      expect(await durationOf(query, LEASE_SPC1)).toEqual(expected);
    });

    it('sends no duration TLLV to a client whose SPC has no playback state (as Apple does)', async () => {
      expect(await durationOf('rightsType=Rental&rentalDuration=3600', SPC2)).toBeUndefined();
    });

    it('gives a stopped playback session no CKC, with a clear error and no credit spent', async () => {
      const response = await post(
        url1,
        draftSpc({ playbackState: { creationDate: Math.floor(Date.now() / 1000), state: STOPPED } }),
      );
      expect(response.status).toBe(400);
      expect(await json(response)).toEqual({
        code: -6004,
        message: '[-6004] Failed to generate CKC for FP: the playback session is stopped: no CKC is generated',
      });
    });
  });

  describe('credits and audit rows', () => {
    it('an account with M credits gets exactly M CKCs among N concurrent redemptions; one row each', async () => {
      const M = 3;
      const N = 12;
      const counter = async (name: string) => {
        const line = (await (await fetch(`${stack.rightsUrl}/metrics`)).text())
          .split('\n')
          .find((l) => l.startsWith(name));
        return line ? Number(line.split(' ').pop()) : 0;
      };
      const deliveredBefore = await counter('drm_deliveries_total{drm="fp"}');
      const refusedBefore = await counter('credit_refusals_total{drm="fp",stage="redemption"}');
      const created = await stack.admin.createAccount({
        name: 'FP credits',
        credits: BigInt(M),
        widevine: false,
        fairplay: true,
      });
      const url = await issue(
        stack,
        encodeURIComponent(created.authenticators.test),
        `contentKey=${CK1}&iv=${IV1}&cookie=fp-credits`,
      );
      const responses = await Promise.all(Array.from({ length: N }, () => post(url, SPC1)));
      const granted = responses.filter((r) => r.status === 200);
      const refused = responses.filter((r) => r.status !== 200);
      expect(granted).toHaveLength(M);
      for (const response of granted)
        expect(readCkc(await bytesOf(response), clientSecretsOf(SPC1)).contentKey.toString('hex')).toBe(CK1);
      expect(refused).toHaveLength(N - M);
      for (const response of refused) {
        expect(response.status).toBe(400);
        expect(await json(response)).toEqual({
          code: -2019,
          message: '[-2019] Insufficient tokens available: the account has no credits left',
        });
      }
      expect((await stack.admin.show(created.account.number)).account.credits).toBe(0n);

      // One more: refused too, and the ledger writes its row as well.
      expect((await json(await post(url, SPC1))).code).toBe(-2019);
      const rows = (await auditRows(stack.pool)).filter((row) => row.cookie === 'fp-credits');
      expect(rows).toHaveLength(N + 1);
      expect(rows.filter((row) => row.result_code === 0)).toHaveLength(M);
      expect(rows.filter((row) => row.result_code === -2019)).toHaveLength(N + 1 - M);
      for (const row of rows)
        expect(row).toMatchObject({ drm: 'fp', request_type: 'ckc', account_number: created.account.number });
      expect((await counter('drm_deliveries_total{drm="fp"}')) - deliveredBefore).toBe(M);
      expect((await counter('credit_refusals_total{drm="fp",stage="redemption"}')) - refusedBefore).toBe(N + 1 - M);
    });

    it("records device type, OS version, streaming and HDCP of a CKC's SPC with cookie and token id, never a key", async () => {
      const sk = randomBytes(16);
      const cookie = 'fp-audit';
      const url = await issue(
        stack,
        auth,
        `contentKey=${CK1}&iv=${IV1}&cookie=${cookie}&rightsType=Rental&rentalDuration=600`,
      );
      const spc = draftSpc({ sk });
      const secrets = clientSecretsOf(spc);
      const response = await post(url, spc, 'application/octet-stream', { 'user-agent': 'AppleCoreMedia/1.0' });
      expect(response.status).toBe(200);
      const [issuance] = (await auditRows(stack.pool, 'issuance')).filter((row) => row.cookie === cookie);
      const rows = (await auditRows(stack.pool)).filter((row) => row.cookie === cookie);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        drm: 'fp',
        environment: 'test',
        account_number: account,
        token_id: issuance.token_id,
        result_code: 0,
        message: null,
        request_type: 'ckc',
        user_agent: 'AppleCoreMedia/1.0',
        device: {
          deviceType: 'ios',
          osVersion: '17.4.1',
          streaming: true,
          streamingTarget: 'airplay',
          hdcp: 'type0',
          playbackState: 'first-playback',
          keyRules: 'rental',
          spcVersion: 1,
          assetId: 'movie-42',
        },
      });
      expect(rows[0].token_id).toMatch(/^[0-9a-f]{32}$/);
      const text = JSON.stringify(rows[0]).toLowerCase();
      for (const secret of [Buffer.from(CK1, 'hex'), sk, secrets.antiReplayKey, DEV_DASK]) {
        expect(text).not.toContain(secret.toString('hex'));
        expect(text).not.toContain(secret.toString('base64').toLowerCase());
      }
    });
  });

  describe('bad input through HTTP: a clear JSON error, never a 500', () => {
    const flip = (spc: Buffer, at: number) => {
      const copy = Buffer.from(spc);
      copy[at] ^= 0x5a;
      return copy;
    };
    const withU32 = (spc: Buffer, at: number, value: number) => {
      const copy = Buffer.from(spc);
      copy.writeUInt32BE(value, at);
      return copy;
    };
    /** encodeSpc with the plaintext payload changed before encryption. */
    const payloadChanged = (change: (payload: Buffer) => Buffer) => draftSpc({ transformPayload: change });

    it.each<[string, () => Buffer | string, string, number, RegExp]>([
      ['an empty body', () => Buffer.alloc(0), 'application/octet-stream', -6004, /SPC truncated: 0 bytes/],
      [
        'a truncated SPC',
        () => SPC1.subarray(0, 150),
        'application/octet-stream',
        -6004,
        /SPC truncated: 150 bytes, a version 1 header needs 176/,
      ],
      [
        'an SPC cut inside its payload',
        () => SPC1.subarray(0, SPC1.length - 16),
        'application/octet-stream',
        -6004,
        /payload length 2688 overruns the 2848-byte SPC/,
      ],
      [
        'a wrong version',
        () => withU32(SPC1, 0, 7),
        'application/octet-stream',
        -6004,
        /unsupported SPC version 0x00000007/,
      ],
      ['SPC v3', () => withU32(SPC1, 0, 3), 'application/octet-stream', -6004, /SPC v3 needs Apple libfpscrypto/],
      [
        'the certificate instead of an SPC',
        () => DEV_CERTIFICATE,
        'application/octet-stream',
        -6004,
        /looks like a DER certificate/,
      ],
      [
        'a certificate hash no credential set has',
        () => flip(SPC1, 160),
        'application/octet-stream',
        -4001,
        /no FairPlay credentials for certificate hash 5561980aa51f03aa[0-9a-f]{24}$/,
      ],
      ['a corrupted wrapped key', () => flip(SPC1, 60), 'application/octet-stream', -4001, /SPC key does not decrypt/],
      [
        'a payload length that overruns',
        () => withU32(SPC1, 172, 2688 + 16),
        'application/octet-stream',
        -6004,
        /payload length 2704 overruns/,
      ],
      [
        'a payload length not a multiple of 16',
        () => withU32(SPC1, 172, 2687),
        'application/octet-stream',
        -6004,
        /not a positive multiple of 16/,
      ],
      [
        'a TLLV block length that overruns',
        () => payloadChanged((p) => (p.writeUInt32BE(p.length, tllvBlock(p, 2) + 8), p)),
        'application/octet-stream',
        -6004,
        /TLLV 89c90f12204106b2: block length \d+ overruns the payload/,
      ],
      [
        'a TLLV value length over its block length',
        () => payloadChanged((p) => (p.writeUInt32BE(48, tllvBlock(p, 3) + 12), p)),
        'application/octet-stream',
        -6004,
        /TLLV 71b5595ac1521133: value length 48 exceeds block length 32/,
      ],
      [
        'a duplicate tag',
        () => draftSpc({ extraTllvs: [{ tag: SPC_TAG.assetId, value: Buffer.from('again') }] }),
        'application/octet-stream',
        -6004,
        /duplicate TLLV 1bf7f53f5d5d5a1f/,
      ],
      [
        'a required tag missing',
        () => draftSpc({ omitTags: [SPC_TAG.r2] }),
        'application/octet-stream',
        -6004,
        /lacks the required R2 TLLV/,
      ],
      [
        'a corrupted [SK..R1]',
        () => payloadChanged((p) => ((p[16 + 100] ^= 1), p)),
        'application/octet-stream',
        -4001,
        /SPC integrity check failed/,
      ],
      [
        'a forged [SK..R1] integrity',
        () => draftSpc({ integrity: randomBytes(16) }),
        'application/octet-stream',
        -4001,
        /SPC integrity check failed/,
      ],
      [
        'an [SK..R1] under another DASk',
        () => draftSpc({ dask: randomBytes(16) }),
        'application/octet-stream',
        -4001,
        /SPC integrity check failed/,
      ],
      [
        'a protocol version the server does not speak',
        () => draftSpc({ protocolVersionUsed: 2, protocolVersionsSupported: [2] }),
        'application/octet-stream',
        -6004,
        /supports FPS protocol versions 2, the server 1/,
      ],
      [
        'random bytes',
        () => Buffer.concat([Buffer.from([0xde, 0xad, 0xbe, 0xef]), randomBytes(2000)]),
        'application/octet-stream',
        -6004,
        /unsupported SPC version 0xdeadbeef/,
      ],
      [
        'a form without spc',
        () => 'assetId=one',
        'application/x-www-form-urlencoded',
        -6004,
        /the form has no spc field/,
      ],
      [
        'a form whose spc is not base64',
        () => 'spc=AAAA*AQ!!',
        'application/x-www-form-urlencoded',
        -6004,
        /the spc is not base64/,
      ],
      [
        'a form whose spc has an impossible length',
        () => 'spc=AAAAA',
        'application/x-www-form-urlencoded',
        -6004,
        /the spc is not base64/,
      ],
      ['a form with an empty spc', () => 'spc=', 'application/x-www-form-urlencoded', -6004, /SPC truncated: 0 bytes/],
      ['an empty form', () => '', 'application/x-www-form-urlencoded', -6004, /the form has no spc field/],
      ['JSON that does not parse', () => '{"spc": ', 'application/json', -6004, /the JSON body does not parse/],
      [
        'JSON without an spc string',
        () => '{"spc": 42}',
        'application/json',
        -6004,
        /the JSON body has no "spc" string/,
      ],
      ['JSON null', () => 'null', 'application/json', -6004, /the JSON body has no "spc" string/],
      [
        'JSON with a truncated SPC',
        () => JSON.stringify({ spc: SPC1.subarray(0, 100).toString('base64') }),
        'application/json',
        -6004,
        /SPC truncated: 100 bytes/,
      ],
    ])('%s', async (_name, body, type, code, reason) => {
      const response = await post(url1, body(), type);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const answer = await json(response);
      expect(answer.code).toBe(code);
      expect(answer.message).toMatch(reason);
      expect(answer.message).toMatch(
        code === -4001
          ? /^\[-4001\] Device could not be authenticated: /
          : /^\[-6004\] Failed to generate CKC for FP: /,
      );
      expect(response.status).toBe(code === -4001 ? 401 : 400);
    });

    it('a POST without any body or media type is a -6004', async () => {
      const response = await fetch(url1, { method: 'POST' });
      expect(response.status).toBe(400);
      expect((await json(response)).code).toBe(-6004);
    });

    it('answers 200 or -6004/-4001 to every one-byte corruption of an SPC (bounded sweep), never a 500', async () => {
      const seen = new Map<string, number>();
      for (let i = 0; i < 120; i++) {
        const at = i < 40 ? i * 4 : 176 + Math.floor(Math.random() * (SPC2.length - 176));
        const response = await post(url2, flip(SPC2, at));
        const outcome = response.status === 200 ? 'ckc' : String((await json(response)).code);
        seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
      }
      expect([...seen.keys()].every((outcome) => ['ckc', '-6004', '-4001'].includes(outcome))).toBe(true);
      expect(seen.get('-6004')).toBeGreaterThan(0);
      expect(seen.get('-4001')).toBeGreaterThan(0);
    });

    it('records failures with their reason, still without a key', async () => {
      const cookie = 'fp-bad';
      const url = await issue(stack, auth, `contentKey=${CK1}&iv=${IV1}&cookie=${cookie}`);
      await post(url, SPC1.subarray(0, 150));
      await post(url, flip(SPC1, 160));
      const rows = (await auditRows(stack.pool)).filter((row) => row.cookie === cookie);
      expect(rows.map((row) => [row.result_code, row.request_type])).toEqual([
        [-6004, 'ckc'],
        [-4001, 'ckc'],
      ]);
      expect(rows[0].message).toMatch(/SPC truncated/);
      expect(JSON.stringify(rows)).not.toContain(CK1);
    });
  });

  describe('token and account checks', () => {
    it('refuses a Widevine token with -6002', async () => {
      const wv = await tokenUrl(
        stack,
        'wv',
        `customerAuthenticator=${auth}&kid=^movie&contentKey=${CK1}&securityLevel=1&hdcpOutputControl=0`,
      );
      const response = await post(wv.replace('/hms/wv/', '/hms/fp/'), SPC1);
      expect(response.status).toBe(400);
      expect(await json(response)).toEqual({
        code: -6002,
        message: '[-6002] Invalid FP Token Type: the token is for Widevine',
      });
    });

    it('refuses by account state at redemption: FairPlay not authorized (-6006), switched off (-6009), disabled (-2031)', async () => {
      const created = await stack.admin.createAccount({
        name: 'FP switches',
        credits: null,
        widevine: true,
        fairplay: true,
      });
      const number = created.account.number;
      const url = await issue(
        stack,
        encodeURIComponent(created.authenticators.test),
        `contentKey=${CK1}&iv=${IV1}&cookie=fp-switches`,
      );
      const codeOf = async () => {
        const response = await post(url, SPC1);
        return response.status === 200 ? 0 : (await json(response)).code;
      };
      expect(await codeOf()).toBe(0);
      await stack.admin.setOptions(number, { fairplayAuthorized: false });
      expect(await codeOf()).toBe(-6006);
      await stack.admin.setOptions(number, { fairplayAuthorized: true, fairplayEnabled: false });
      expect(await codeOf()).toBe(-6009);
      await stack.admin.setOptions(number, { fairplayEnabled: true });
      await stack.admin.setStatus(number, 'disabled');
      expect(await codeOf()).toBe(-2031);
      await stack.admin.setStatus(number, 'active');
      expect(await codeOf()).toBe(0);
      const rows = (await auditRows(stack.pool)).filter((row) => row.cookie === 'fp-switches');
      expect(rows.map((row) => row.result_code)).toEqual([0, -6006, -6009, -2031, 0]);
    });
  });
});

describe('rights: FairPlay without credentials', () => {
  const stack = useStack();

  it('GET /hms/fp/cert is a JSON 404', async () => {
    const response = await fetch(`${stack.rightsUrl}/hms/fp/cert`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await json(response)).toEqual({ code: 404, message: '[404] Not Found' });
  });
});

describe("rights: Apple's development credentials are for tests only", () => {
  const dir = mkdtempSync(join(tmpdir(), 'openplay-fp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A self-signed RSA-1024 set of the drm package's fixtures stands in for a real deployment package.
  const synthetic = join(FAIRPLAY_FIXTURES_DIR, 'synthetic');
  const credentials = (name: string, sets: Array<{ certificate: string; privateKey: string; dask: string }>) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(sets));
    return file;
  };
  const devSet = {
    certificate: join(FAIRPLAY_FIXTURES, 'dev_certificate.der'),
    privateKey: join(FAIRPLAY_FIXTURES, 'dev_private_key.pem'),
  };
  const ownSet = {
    certificate: join(synthetic, 'rsa1024_certificate.der'),
    privateKey: join(synthetic, 'rsa1024_key.pem'),
  };
  const cryptoFor = (environment: string, file: string) => {
    const env = {
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/unused',
      ENVIRONMENT: environment,
      TOKEN_KEYS: `7:${'5a'.repeat(32)}`,
      WIDEVINE_RENEWAL_SECRET: 'c3'.repeat(32),
      FAIRPLAY_CREDENTIALS: file,
    };
    return createCryptoImplementation(validateRightsConfig(env));
  };
  const refusal =
    "Invalid configuration: FAIRPLAY_CREDENTIALS: Apple's development credentials cannot be used in production";

  it.each([
    ['the test fixture', () => CREDENTIALS_JSON],
    [
      'the development certificate with another DASk',
      () => credentials('dev-cert.json', [{ ...devSet, dask: 'ab'.repeat(16) }]),
    ],
    [
      'the development DASk with another certificate',
      () => credentials('dev-dask.json', [{ ...ownSet, dask: DEV_DASK.toString('hex') }]),
    ],
    [
      'the development set beside a real one',
      () =>
        credentials('both.json', [
          { ...ownSet, dask: 'ab'.repeat(16) },
          { ...devSet, dask: DEV_DASK.toString('hex') },
        ]),
    ],
  ])('production refuses %s at start-up', (_name, file) => {
    expect(() => cryptoFor('production', file())).toThrow(refusal);
    expect(cryptoFor('test', file()).fairplayCertificates.length).toBeGreaterThan(0);
  });

  it('production accepts a credential set of its own', () => {
    const crypto = cryptoFor('production', credentials('own.json', [{ ...ownSet, dask: 'ab'.repeat(16) }]));
    expect(crypto.fairplayCertificates).toHaveLength(1);
    expect(crypto.fairplayCertificates[0].equals(DEV_CERTIFICATE)).toBe(false);
  });
});
