import { randomBytes } from 'node:crypto';
import { FairPlayConstants } from '@openplay/drm';
import { encodeSpc } from '@openplay/drm/testing';
import { clientSecretsOf, CREDENTIALS_JSON, DEV_CERTIFICATE, DEV_DASK, readCkc } from './support/fairplay-client';
import { APPLE_STREAM_SPCS as SPC, leaseRenewalOf as renewalOf } from './support/fairplay-streams';
import { tokenUrl, useStack } from './support/stack';

// FairPlay streams and devices under stream and device limits (docs/api.md §13), over real HTTP with real
// PostgreSQL and Apple's development credentials and SPC vectors (three devices; see support/fairplay-streams).

const { CKC_TAG, KEY_TYPE } = FairPlayConstants;
/** A CKC's key duration lives that long; the grace is added to it. */
const GRACE = 2;
const RENTAL = 120;

const TOO_MANY = { code: -9004, message: '[-9004] Too many simultaneous streams: the stream limit is reached' };
const STOPPED = {
  code: -9005,
  message: '[-9005] Stream stopped: the stream was stopped by a newer one or its lease ran out',
};
const TOO_MANY_DEVICES = { code: -9007, message: '[-9007] Too many devices: the device limit is reached' };

const post = (url: string, body: Buffer) =>
  fetch(url, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'application/octet-stream' } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('FairPlay concurrent-stream and device limits over HTTP (real Postgres, Apple development credentials)', () => {
  const stack = useStack(() => ({ FAIRPLAY_CREDENTIALS: CREDENTIALS_JSON, STREAM_GRACE_SECONDS: String(GRACE) }));
  let auth: string;
  const key = randomBytes(16);

  beforeAll(async () => {
    const created = await stack.admin.createAccount({ name: 'FPST', credits: 1000n, widevine: false, fairplay: true });
    auth = created.authenticators.test;
  });

  const token = (extra: Record<string, string>) =>
    tokenUrl(
      stack,
      'fp',
      new URLSearchParams({
        customerAuthenticator: auth,
        contentKey: key.toString('hex'),
        iv: randomBytes(16).toString('hex'),
        rentalDuration: String(RENTAL),
        ...extra,
      }).toString(),
    );
  /** A CKC's status and, when refused, the error body; a delivered CKC must open for the SPC's client. */
  const play = async (url: string, spc: Buffer) => {
    const response = await post(url, spc);
    if (response.status !== 200) return { status: response.status, body: await response.json() };
    const ckc = readCkc(Buffer.from(await response.arrayBuffer()), clientSecretsOf(spc));
    expect(ckc.contentKey).toEqual(key);
    return { status: 200, body: null, ckc };
  };
  /** The streams the token of the last CKC served holds (its scope: the token has no cookie). */
  const streamsOfLastToken = async () => {
    const { rows } = await stack.pool.query(
      `SELECT count(*)::int AS n FROM token_streams WHERE scope = (
         SELECT 't:' || token_id FROM audit_events WHERE kind = 'redemption' AND result_code = 0 ORDER BY id DESC LIMIT 1)`,
    );
    return rows[0].n as number;
  };

  it('token-gen takes the limits on /hms/fp/token and refuses bad ones with -9003 and -9006', async () => {
    expect(
      await token({ maxStreams: '2', streamLimitMode: 'stopOldest', maxDevices: '3', deviceWindow: '60' }),
    ).toMatch(/\/hms\/fp\/rights\/\?ExpressPlayToken=/);
    for (const [query, code] of [
      ['maxStreams=0', -9003],
      ['maxStreams=2&streamLimitMode=newest', -9003],
      ['streamLimitMode=deny', -9003],
      ['maxDevices=101', -9006],
      ['deviceWindow=60', -9006],
    ] as const) {
      const response = await fetch(
        `${stack.tokenGenUrl}/hms/fp/token?customerAuthenticator=${encodeURIComponent(auth)}&contentKey=${key.toString('hex')}` +
          `&iv=${'00'.repeat(16)}&errorFormat=json&${query}`,
      );
      expect({ query, status: response.status, code: ((await response.json()) as { code: number }).code }).toEqual({
        query,
        status: 400,
        code,
      });
    }
  });

  it('deny: a limit of 2 refuses the third device’s stream (-9004); the same device and asset take no new slot', async () => {
    const url = await token({ maxStreams: '2' });
    const first = await play(url, SPC.one);
    expect(first.status).toBe(200);
    // The CKC states the lease the stream lives by: a rental key duration of the token's rentalDuration.
    const duration = first.ckc!.tllvs.get(CKC_TAG.keyDuration)!;
    expect([duration.readUInt32BE(4), duration.readUInt32BE(8)]).toEqual([RENTAL, KEY_TYPE.rental]);
    expect((await play(url, SPC.second)).status).toBe(200);
    expect(await play(url, SPC.third)).toEqual({ status: 403, body: TOO_MANY });
    // Apple's second SPC of the first device for the same asset, and that device's lease renewal: the same stream.
    expect((await play(url, SPC.oneAgain)).status).toBe(200);
    expect((await play(url, renewalOf(SPC.one))).status).toBe(200);
    expect((await play(url, renewalOf(SPC.second))).status).toBe(200);
    expect(await play(url, SPC.third)).toEqual({ status: 403, body: TOO_MANY });
    expect(await streamsOfLastToken()).toBe(2);

    const { rows } = await stack.pool.query(
      `SELECT result_code, message, request_type FROM audit_events
        WHERE kind = 'redemption' AND result_code = -9004 ORDER BY id DESC LIMIT 1`,
    );
    expect(rows).toEqual([{ result_code: -9004, message: TOO_MANY.message, request_type: 'ckc' }]);
  });

  it('stopOldest: the third stream is served and the oldest one’s next lease renewal is refused (-9005)', async () => {
    const url = await token({ maxStreams: '2', streamLimitMode: 'stopOldest' });
    expect((await play(url, SPC.one)).status).toBe(200);
    await sleep(20);
    expect((await play(url, SPC.second)).status).toBe(200);
    expect((await play(url, SPC.third)).status).toBe(200);
    // The first device's CKC keeps working until its lease ends (nothing revokes it); its renewal gets nothing.
    expect(await play(url, renewalOf(SPC.one))).toEqual({ status: 403, body: STOPPED });
    expect((await play(url, renewalOf(SPC.second))).status).toBe(200);
    expect((await play(url, renewalOf(SPC.third))).status).toBe(200);
    expect(await streamsOfLastToken()).toBe(2);
  });

  it('a stream lives by its lease: once it ends the slot is free and the late renewal is refused', async () => {
    // rentalDuration=1: the stream lives 1 s + the 2 s grace.
    const url = await token({ maxStreams: '1', rentalDuration: '1' });
    expect((await play(url, SPC.one)).status).toBe(200);
    expect(await play(url, SPC.second)).toEqual({ status: 403, body: TOO_MANY });
    await sleep((1 + GRACE) * 1000 + 300);
    expect((await play(url, SPC.second)).status).toBe(200);
    expect(await play(url, renewalOf(SPC.one))).toEqual({ status: 403, body: STOPPED });
  });

  it('a use-limited token’s retried SPC renews its stream’s lease: the lease renewal after the first lease is served', async () => {
    // rentalDuration=1: the first CKC's stream lives 1 s + the 2 s grace; the retry, 2 s later, states it afresh.
    const url = await token({ maxStreams: '1', useLimit: '3', rentalDuration: '1' });
    expect((await play(url, SPC.one)).status).toBe(200);
    await sleep(2000);
    expect((await play(url, SPC.one)).status).toBe(200);
    await sleep(1500);
    expect((await play(url, renewalOf(SPC.one))).status).toBe(200);
    expect(await play(url, SPC.second)).toEqual({ status: 403, body: TOO_MANY });
    const { rows } = await stack.pool.query(
      `SELECT uses FROM token_uses WHERE token_id = (
         SELECT token_id FROM audit_events WHERE kind = 'redemption' AND result_code = 0 ORDER BY id DESC LIMIT 1)`,
    );
    // The SPC and its lease renewal: two uses; the retry is none.
    expect(rows).toEqual([{ uses: 2 }]);
  });

  it('admits exactly 2 of 12 concurrent new streams (12 devices), spending 2 credits', async () => {
    const url = await token({ maxStreams: '2' });
    const credits = async () =>
      (await stack.pool.query("SELECT credits::int AS c FROM accounts WHERE name = 'FPST'")).rows[0].c as number;
    const before = await credits();
    const spcs = Array.from({ length: 12 }, () =>
      encodeSpc({
        certificate: DEV_CERTIFICATE,
        dask: DEV_DASK,
        assetId: Buffer.from('one'),
        playbackState: { creationDate: Math.floor(Date.now() / 1000), state: 0xf4dee5a2 },
      }),
    );
    const responses = await Promise.all(spcs.map((spc) => post(url, spc)));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, ...Array.from({ length: 10 }, () => 403)]);
    expect(before - (await credits())).toBe(2);
  });

  it('a multi-key token: the keys of one title on one device are one stream', async () => {
    const [kidA, kidB] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
    const url = await tokenUrl(
      stack,
      'fp',
      new URLSearchParams([
        ['customerAuthenticator', auth],
        ['key', `${kidA},${key.toString('hex')}`],
        ['key', `${kidB},${key.toString('hex')}`],
        ['iv', randomBytes(16).toString('hex')],
        ['rentalDuration', String(RENTAL)],
        ['maxStreams', '1'],
      ]).toString(),
    );
    const [device, other] = [randomBytes(20), randomBytes(20)];
    const spc = (hu: Buffer, kid: string) =>
      encodeSpc({
        certificate: DEV_CERTIFICATE,
        dask: DEV_DASK,
        hu,
        assetId: Buffer.from(kid),
        playbackState: { creationDate: Math.floor(Date.now() / 1000), state: 0xf4dee5a2 },
      });
    expect((await play(url, spc(device, kidA))).status).toBe(200);
    expect((await play(url, spc(device, kidB))).status).toBe(200);
    expect(await play(url, spc(other, kidA))).toEqual({ status: 403, body: TOO_MANY });
  });

  it('a device limit of 2 serves the same devices again and refuses a third (-9007)', async () => {
    const url = await token({ maxDevices: '2', deviceWindow: '3600' });
    expect((await play(url, SPC.one)).status).toBe(200);
    expect((await play(url, SPC.second)).status).toBe(200);
    expect(await play(url, SPC.third)).toEqual({ status: 403, body: TOO_MANY_DEVICES });
    // The first device again, with Apple's other SPC of it and with a renewal: the same HU, the same device.
    expect((await play(url, SPC.oneAgain)).status).toBe(200);
    expect((await play(url, renewalOf(SPC.second))).status).toBe(200);
    expect(await play(url, renewalOf(SPC.third))).toEqual({ status: 403, body: TOO_MANY_DEVICES });
  });
});
