import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { createCryptoImplementation } from '../src/drm/drm.module';
import { createRightsApp } from '../src/main';
import { randomBytes } from 'node:crypto';
import { clientSecretsOf, CREDENTIALS_JSON, readCkc } from './support/fairplay-client';
import { APPLE_STREAM_SPCS as SPC, leaseRenewalOf } from './support/fairplay-streams';
import { tokenUrl, useStack, widevineTokenUrl } from './support/stack';
import {
  clientChallenge,
  inspectLicense,
  type LicenseView,
  renewalChallenge,
  useWidevineWorld,
} from './support/widevine';

// Account-wide limits (docs/decisions/0023-account-stream-limits.md) over real HTTP: the admin API sets them on
// token-gen, two rights instances on one database enforce them, the npm `widevine` client is the CDM; FairPlay CKCs
// are asked for with Apple's SPC vectors and development credentials, and count in the same limit. The rights
// instances cache accounts for a minute: only the account-change feed (decision 0013) tells them of a change.

const ADMIN_API_KEY = 'test-admin-key-account-limits-0123';
const TOO_MANY = { code: -9004, message: '[-9004] Too many simultaneous streams: the stream limit is reached' };
const STOPPED = {
  code: -9005,
  message: '[-9005] Stream stopped: the stream was stopped by a newer one or its renewals stopped',
};
const FAIRPLAY_STOPPED = {
  code: -9005,
  message: '[-9005] Stream stopped: the stream was stopped by a newer one or its lease ran out',
};
const TOO_MANY_DEVICES = { code: -9007, message: '[-9007] Too many devices: the device limit is reached' };

interface Refusal {
  readonly code: number;
  readonly message: string;
}

const post = (url: string, body: Uint8Array) => fetch(url, { method: 'POST', body });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('account-wide stream and device limits over HTTP, two rights instances on one database (real Postgres)', () => {
  const world = useWidevineWorld();
  const stack = useStack(
    () =>
      world.current.env({
        WIDEVINE_RENEWAL_DELAY: '30',
        STREAM_GRACE_SECONDS: '30',
        ACCOUNT_CACHE_TTL_MS: '60000',
        FAIRPLAY_CREDENTIALS: CREDENTIALS_JSON,
      }),
    { tokenGenEnv: { ADMIN_API_KEY } },
  );
  let second: NestFastifyApplication;
  let secondUrl: string;
  const FAIRPLAY_KEY = randomBytes(16);

  beforeAll(async () => {
    second = await createRightsApp(stack.rightsConfig, createCryptoImplementation(stack.rightsConfig));
    await second.listen(0, '127.0.0.1');
    secondUrl = `http://127.0.0.1:${(second.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => second?.close());

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.tokenGenUrl}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_API_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, any>;
    if (response.status >= 300) throw new Error(`admin API answered ${response.status}: ${JSON.stringify(json)}`);
    return json;
  };
  /** A new account with its limits set before any redemption, so no rights instance holds it without them. */
  const account = async (limits: Record<string, unknown>) => {
    const created = await admin('POST', '/accounts', { name: 'Household', credits: 100 });
    await admin('PATCH', `/accounts/${created.account}/limits`, limits);
    return { number: created.account as number, auth: created.authenticators.test as string };
  };
  /** A Widevine token without limits of its own; urls[0] is the first rights instance, urls[1] the second. */
  const token = async (auth: string, extra: Record<string, string> = {}) => {
    const url = await widevineTokenUrl(stack, auth, extra);
    return [url, url.replace(stack.rightsUrl, secondUrl)];
  };
  const play = async (url: string, device = world.current.devices.L1) => {
    const client = clientChallenge(device);
    const response = await post(url, client.challenge);
    if (response.status !== 200)
      return { status: response.status, body: (await response.json()) as Refusal, view: null };
    const body = Buffer.from(await response.arrayBuffer());
    return { status: 200, body: null, view: inspectLicense(device, client.challenge, body) };
  };
  const renew = async (url: string, view: LicenseView, seconds: number) => {
    const response = await post(
      url,
      renewalChallenge(view, 'renewal', { secondsSinceStarted: seconds, nonce: seconds }),
    );
    return { status: response.status, body: response.status === 200 ? null : ((await response.json()) as Refusal) };
  };
  /** A FairPlay token without limits of its own, with a lease of 120 s; urls[0] and urls[1] as for Widevine. */
  const fairPlayToken = async (auth: string, extra: Record<string, string> = {}) => {
    const query = new URLSearchParams({
      customerAuthenticator: auth,
      contentKey: FAIRPLAY_KEY.toString('hex'),
      iv: randomBytes(16).toString('hex'),
      rentalDuration: '120',
      ...extra,
    });
    const url = await tokenUrl(stack, 'fp', query.toString());
    return [url, url.replace(stack.rightsUrl, secondUrl)];
  };
  /** A CKC for `spc`: delivered (and opened as its client would), or the refusal. */
  const ckc = async (url: string, spc: Buffer) => {
    const response = await fetch(url, {
      method: 'POST',
      body: new Uint8Array(spc),
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (response.status !== 200) return { status: response.status, body: (await response.json()) as Refusal };
    const opened = readCkc(Buffer.from(await response.arrayBuffer()), clientSecretsOf(spc));
    expect(opened.contentKey).toEqual(FAIRPLAY_KEY);
    return { status: 200, body: null };
  };
  /** Plays until the answer is 200, for at most `ms`: the account-change feed reaches the instances within ms. */
  const playOnceAdmitted = async (url: string, ms = 5000) => {
    const until = Date.now() + ms;
    for (;;) {
      const result = await play(url);
      if (result.status === 200 || Date.now() > until) return result;
      await sleep(50);
    }
  };

  it('an account limit of 2 refuses the third stream across two tokens with different cookies; clearing it admits it', async () => {
    const { number, auth } = await account({ maxStreams: 2 });
    const alice = await token(auth, { cookie: 'alice' });
    const bob = await token(auth, { cookie: 'bob' });
    const a = await play(alice[0]);
    const b = await play(bob[1]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await play(alice[1])).toEqual({ status: 403, body: TOO_MANY, view: null });
    expect(await play(bob[0])).toEqual({ status: 403, body: TOO_MANY, view: null });
    // The admitted streams' renewals are their heartbeats, on either instance.
    expect(await renew(alice[1], a.view!, 1)).toEqual({ status: 200, body: null });
    expect(await renew(bob[0], b.view!, 1)).toEqual({ status: 200, body: null });

    expect(await admin('PATCH', `/accounts/${number}/limits`, { maxStreams: null })).toMatchObject({
      maxStreams: null,
      streamLimitMode: null,
    });
    expect((await playOnceAdmitted(bob[0])).status).toBe(200);
    expect((await play(alice[1])).status).toBe(200);
    // Streams counted under the limit keep renewing after it is cleared.
    expect(await renew(alice[0], a.view!, 2)).toEqual({ status: 200, body: null });

    const { rows } = await stack.pool.query(
      "SELECT cookie, result_code FROM audit_events WHERE account_number = $1 AND kind = 'redemption' AND request_type = 'new' ORDER BY id",
      [number],
    );
    const codes = rows.map((r) => `${r.cookie} ${r.result_code}`);
    expect(codes.slice(0, 4)).toEqual(['alice 0', 'bob 0', 'alice -9004', 'bob -9004']);
    expect(codes.slice(-2)).toEqual(['bob 0', 'alice 0']);
  });

  it("admits exactly 3 of 16 concurrent streams of 4 users across both instances, within the token's own limit", async () => {
    const { auth } = await account({ maxStreams: 3 });
    const users = await Promise.all(['u1', 'u2', 'u3', 'u4'].map((cookie) => token(auth, { cookie, maxStreams: '2' })));
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => play(users[i % 4][i % 2])));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    expect(results.filter((r) => r.status === 403 && r.body?.code === -9004)).toHaveLength(13);
  });

  it("stopOldest: a new stream of one user stops the account's oldest, another user's (-9005 at its renewal)", async () => {
    const { auth } = await account({ maxStreams: 1, streamLimitMode: 'stopOldest' });
    const alice = await token(auth, { cookie: 'alice' });
    const bob = await token(auth, { cookie: 'bob' });
    const a = await play(alice[0]);
    const b = await play(bob[1]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await renew(alice[1], a.view!, 1)).toEqual({ status: 403, body: STOPPED });
    expect(await renew(bob[0], b.view!, 1)).toEqual({ status: 200, body: null });
  });

  it("the account's device limit is the default of tokens with a cookie and none of their own", async () => {
    const { L1, L2 } = world.current.devices;
    const { auth } = await account({ maxDevices: 1, deviceWindow: 3600 });
    const carol = await token(auth, { cookie: 'carol' });
    expect((await play(carol[0], L1)).status).toBe(200);
    expect(await play(carol[1], L2)).toEqual({ status: 403, body: TOO_MANY_DEVICES, view: null });
    // Another token of the same user shares the count; its own device limit replaces the account's.
    expect((await play((await token(auth, { cookie: 'carol' }))[0], L2)).body).toEqual(TOO_MANY_DEVICES);
    const own = await token(auth, { cookie: 'carol', maxDevices: '2' });
    expect((await play(own[1], L2)).status).toBe(200);
    // Without a cookie there is no user to count devices for.
    expect((await play((await token(auth))[0], L2)).status).toBe(200);
  });
  it('FairPlay: an account limit of 2 refuses the third device’s stream (-9004); a lease renewal takes no slot', async () => {
    const { number, auth } = await account({ maxStreams: 2 });
    const alice = await fairPlayToken(auth, { cookie: 'alice' });
    const bob = await fairPlayToken(auth, { cookie: 'bob' });
    expect((await ckc(alice[0], SPC.one)).status).toBe(200);
    expect((await ckc(bob[1], SPC.second)).status).toBe(200);
    expect(await ckc(alice[1], SPC.third)).toEqual({ status: 403, body: TOO_MANY });
    expect(await ckc(bob[0], SPC.third)).toEqual({ status: 403, body: TOO_MANY });
    // The same devices and asset again (Apple's other SPC of the first device, lease renewals): the same streams.
    expect((await ckc(alice[1], SPC.oneAgain)).status).toBe(200);
    expect((await ckc(alice[0], leaseRenewalOf(SPC.one))).status).toBe(200);
    expect((await ckc(bob[1], leaseRenewalOf(SPC.second))).status).toBe(200);
    const { rows } = await stack.pool.query(
      "SELECT cookie, result_code FROM audit_events WHERE account_number = $1 AND kind = 'redemption' ORDER BY id",
      [number],
    );
    expect(rows.map((r) => `${r.cookie} ${r.result_code}`)).toEqual([
      'alice 0',
      'bob 0',
      'alice -9004',
      'bob -9004',
      'alice 0',
      'alice 0',
      'bob 0',
    ]);
  });

  it('one account, one limit: Widevine licenses and FairPlay CKCs are counted together', async () => {
    const { auth } = await account({ maxStreams: 2 });
    const wv = await token(auth, { cookie: 'alice' });
    const fp = await fairPlayToken(auth, { cookie: 'bob' });
    const a = await play(wv[0]);
    expect(a.status).toBe(200);
    expect((await ckc(fp[1], SPC.one)).status).toBe(200);
    expect(await ckc(fp[0], SPC.second)).toEqual({ status: 403, body: TOO_MANY });
    expect(await play(wv[1])).toEqual({ status: 403, body: TOO_MANY, view: null });
    expect(await renew(wv[1], a.view!, 1)).toEqual({ status: 200, body: null });
    expect((await ckc(fp[0], leaseRenewalOf(SPC.one))).status).toBe(200);
  });

  it('stopOldest across DRMs: a FairPlay stream stops the Widevine one; a stopped FairPlay lease renewal is -9005', async () => {
    const { auth } = await account({ maxStreams: 1, streamLimitMode: 'stopOldest' });
    const wv = await token(auth, { cookie: 'alice' });
    const fp = await fairPlayToken(auth, { cookie: 'bob' });
    const a = await play(wv[0]);
    expect(a.status).toBe(200);
    expect((await ckc(fp[1], SPC.one)).status).toBe(200);
    expect(await renew(wv[1], a.view!, 1)).toEqual({ status: 403, body: STOPPED });
    expect((await ckc(fp[0], SPC.second)).status).toBe(200);
    expect(await ckc(fp[1], leaseRenewalOf(SPC.one))).toEqual({ status: 403, body: FAIRPLAY_STOPPED });
    expect((await ckc(fp[0], leaseRenewalOf(SPC.second))).status).toBe(200);
  });

  it('FairPlay, deny: a playback under way when the limit is set is counted at its lease renewal, not cut', async () => {
    const { number, auth } = await account({ maxStreams: null });
    const alice = await fairPlayToken(auth, { cookie: 'alice' });
    expect((await ckc(alice[0], SPC.one)).status).toBe(200);
    await admin('PATCH', `/accounts/${number}/limits`, { maxStreams: 2 });
    // Another device plays until both instances count it: the account-change feed has reached them.
    const counted = async () =>
      (await stack.pool.query('SELECT count(*)::int AS n FROM token_streams WHERE account_number = $1', [number]))
        .rows[0].n as number;
    for (const until = Date.now() + 5000; ; await sleep(50)) {
      expect((await ckc(alice[0], SPC.third)).status).toBe(200);
      expect((await ckc(alice[1], SPC.third)).status).toBe(200);
      if ((await counted()) > 0 || Date.now() > until) break;
    }
    expect(await counted()).toBe(1);
    // The first playback was never recorded: its lease renewal is a new stream for the limit, which has room.
    expect((await ckc(alice[1], leaseRenewalOf(SPC.one))).status).toBe(200);
    expect(await ckc(alice[0], SPC.second)).toEqual({ status: 403, body: TOO_MANY });
  });

  it("FairPlay: the account's device limit is the default of tokens with a cookie (-9007 for a second device)", async () => {
    const { auth } = await account({ maxDevices: 1, deviceWindow: 3600 });
    const carol = await fairPlayToken(auth, { cookie: 'carol' });
    expect((await ckc(carol[0], SPC.one)).status).toBe(200);
    expect(await ckc(carol[1], SPC.second)).toEqual({ status: 403, body: TOO_MANY_DEVICES });
    expect((await ckc(carol[1], SPC.oneAgain)).status).toBe(200);
    expect((await ckc((await fairPlayToken(auth))[0], SPC.second)).status).toBe(200);
  });
});
