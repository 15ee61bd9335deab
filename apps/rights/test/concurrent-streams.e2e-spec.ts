import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { createCryptoImplementation } from '../src/drm/drm.module';
import { createRightsApp } from '../src/main';
import { redemptionResults, useStack, widevineTokenUrl } from './support/stack';
import {
  claimsOf,
  clientChallenge,
  inspectLicense,
  type LicenseView,
  renewalChallenge,
  useWidevineWorld,
} from './support/widevine';

/** Licenses renew every second; a stream is dead 1 + 1 s after its last license or renewal. */
const RENEWAL_DELAY = 1;
const GRACE = 1;
const TOO_MANY = { code: -9004, message: '[-9004] Too many simultaneous streams: the stream limit is reached' };
const STOPPED = {
  code: -9005,
  message: '[-9005] Stream stopped: the stream was stopped by a newer one or its renewals stopped',
};

interface Refusal {
  readonly code: number;
  readonly message: string;
}

const post = (url: string, body: Uint8Array) => fetch(url, { method: 'POST', body });
const bytes = async (response: Response): Promise<Buffer> => Buffer.from(await response.arrayBuffer());
const TOO_MANY_DEVICES = { code: -9007, message: '[-9007] Too many devices: the device limit is reached' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Widevine concurrent-stream limits over HTTP, two rights instances on one database (real Postgres)', () => {
  const world = useWidevineWorld();
  const stack = useStack(() =>
    world.current.env({ WIDEVINE_RENEWAL_DELAY: String(RENEWAL_DELAY), STREAM_GRACE_SECONDS: String(GRACE) }),
  );
  let second: NestFastifyApplication;
  let secondUrl: string;
  let auth: string;

  beforeAll(async () => {
    // A second rights instance with the first's configuration (same database, keys and service certificate).
    second = await createRightsApp(stack.rightsConfig, createCryptoImplementation(stack.rightsConfig));
    await second.listen(0, '127.0.0.1');
    secondUrl = `http://127.0.0.1:${(second.getHttpServer().address() as AddressInfo).port}`;
    const created = await stack.admin.createAccount({ name: 'ST', credits: 1000n, widevine: true, fairplay: false });
    auth = created.authenticators.test;
  });
  afterAll(() => second?.close());

  /** A token with a stream limit; urls[0] is the first instance, urls[1] the second. */
  const token = async (extra: Record<string, string>) => {
    const url = await widevineTokenUrl(stack, auth, extra);
    return { urls: [url, url.replace(stack.rightsUrl, secondUrl)], claims: claimsOf(url) };
  };
  /** Asks for a license as a new CDM session: its view (for renewals) when granted, else the refusal. */
  const play = async (url: string, device = world.current.devices.L1) => {
    const client = clientChallenge(device);
    const response = await post(url, client.challenge);
    if (response.status !== 200)
      return { status: response.status, body: (await response.json()) as Refusal, view: null };
    return { status: 200, body: null, view: inspectLicense(device, client.challenge, await bytes(response)) };
  };
  const renew = async (url: string, view: LicenseView, seconds: number) => {
    const response = await post(
      url,
      renewalChallenge(view, 'renewal', { secondsSinceStarted: seconds, nonce: seconds }),
    );
    return { status: response.status, body: response.status === 200 ? null : ((await response.json()) as Refusal) };
  };
  const release = (url: string, view: LicenseView) => post(url, renewalChallenge(view, 'release'));

  it('the token carries the limit; a bad limit is refused by token-gen with -9003', async () => {
    const { claims } = await token({ maxStreams: '2', streamLimitMode: 'stopOldest' });
    expect([claims.maxStreams, claims.stopOldestStream]).toEqual([2, true]);
    const query = `customerAuthenticator=${auth}&kid=${'1'.repeat(32)}&contentKey=${'2'.repeat(32)}&securityLevel=1&hdcpOutputControl=0&maxStreams=0&errorFormat=json`;
    const response = await fetch(`${stack.tokenGenUrl}/hms/wv/token?${query}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as Refusal).code).toBe(-9003);
  });

  it('a limit of 2 refuses the third stream (-9004, 403), then admits it once the first is released', async () => {
    const t = await token({ maxStreams: '2' });
    const a = await play(t.urls[0]);
    const b = await play(t.urls[1]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await play(t.urls[0])).toEqual({ status: 403, body: TOO_MANY, view: null });
    expect(await play(t.urls[1])).toEqual({ status: 403, body: TOO_MANY, view: null });
    expect((await release(t.urls[1], a.view!)).status).toBe(200);
    expect((await play(t.urls[0])).status).toBe(200);
    expect((await play(t.urls[1])).status).toBe(403);
    const results = await redemptionResults(stack.pool, t.claims.tokenId);
    expect(results.map(([type, code]) => `${type} ${code}`)).toEqual([
      'new 0',
      'new 0',
      'new -9004',
      'new -9004',
      'release 0',
      'new 0',
      'new -9004',
    ]);
  });

  it('a stream whose renewals stop frees its slot after the renewal delay plus the grace; it renews no more', async () => {
    const t = await token({ maxStreams: '2' });
    const a = await play(t.urls[0]);
    const b = await play(t.urls[1]);
    expect((await play(t.urls[0])).status).toBe(403);
    // b keeps renewing (alternating instances), a is silent.
    for (let second = 1; second <= 3; second++) {
      await sleep(1000);
      expect(await renew(t.urls[second % 2], b.view!, second)).toEqual({ status: 200, body: null });
    }
    expect((await play(t.urls[0])).status).toBe(200);
    expect(await renew(t.urls[1], a.view!, 3)).toEqual({ status: 403, body: STOPPED });
    expect(await renew(t.urls[0], b.view!, 4)).toEqual({ status: 200, body: null });
  });

  it('stopOldest: the third stream is granted and the oldest is refused its next renewal (-9005)', async () => {
    const t = await token({ maxStreams: '2', streamLimitMode: 'stopOldest' });
    const a = await play(t.urls[0]);
    const b = await play(t.urls[1]);
    const c = await play(t.urls[0]);
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    expect(await renew(t.urls[1], a.view!, 1)).toEqual({ status: 403, body: STOPPED });
    expect(await renew(t.urls[0], b.view!, 1)).toEqual({ status: 200, body: null });
    expect(await renew(t.urls[1], c.view!, 1)).toEqual({ status: 200, body: null });
  });

  it('admits exactly 2 of 12 concurrent streams across the two instances, spending 2 credits', async () => {
    const t = await token({ maxStreams: '2' });
    const { rows: before } = await stack.pool.query('SELECT credits::int AS c FROM accounts WHERE credits IS NOT NULL');
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => play(t.urls[i % 2])));
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    expect(results.filter((r) => r.status === 403 && r.body?.code === -9004)).toHaveLength(10);
    const { rows: after } = await stack.pool.query('SELECT credits::int AS c FROM accounts WHERE credits IS NOT NULL');
    expect(before[0].c - after[0].c).toBe(2);
  });

  it('a use-limited token’s retried challenge gets the stream: the retried license renews, the first does not', async () => {
    const t = await token({ maxStreams: '1', useLimit: '1' });
    const client = clientChallenge(world.current.devices.L1);
    const answers = [];
    // The same challenge twice, on both instances: a client whose first answer was lost retries it.
    for (const url of t.urls) {
      const response = await post(url, client.challenge);
      expect(response.status).toBe(200);
      answers.push(inspectLicense(world.current.devices.L1, client.challenge, await bytes(response)));
    }
    const [first, retried] = answers;
    expect(retried.license.id.session_id).not.toEqual(first.license.id.session_id);
    expect(await renew(t.urls[0], retried, 1)).toEqual({ status: 200, body: null });
    expect(await renew(t.urls[1], retried, 2)).toEqual({ status: 200, body: null });
    expect(await renew(t.urls[0], first, 1)).toEqual({ status: 403, body: STOPPED });
    const results = await redemptionResults(stack.pool, t.claims.tokenId);
    expect(results.map(([type, code]) => `${type} ${code}`)).toEqual([
      'new 0',
      'new 0',
      'renewal 0',
      'renewal 0',
      'renewal -9005',
    ]);
  });

  it('with a cookie the limit is per user: two tokens of the same user share it', async () => {
    const first = await token({ maxStreams: '1', cookie: 'user-42' });
    const other = await token({ maxStreams: '1', cookie: 'user-42' });
    const stranger = await token({ maxStreams: '1', cookie: 'user-43' });
    expect((await play(first.urls[0])).status).toBe(200);
    expect((await play(other.urls[1])).body).toEqual(TOO_MANY);
    expect((await play(stranger.urls[1])).status).toBe(200);
  });

  it('a device limit of 2 serves the same devices again and refuses a third (-9007, 403), on either instance', async () => {
    const { L1, L2, L3 } = world.current.devices;
    const t = await token({ maxDevices: '2', deviceWindow: '3600' });
    expect([t.claims.maxDevices, t.claims.deviceWindow]).toEqual([2, 3600]);
    expect((await play(t.urls[0], L1)).status).toBe(200);
    expect((await play(t.urls[1], L2)).status).toBe(200);
    expect(await play(t.urls[0], L3)).toEqual({ status: 403, body: TOO_MANY_DEVICES, view: null });
    expect((await play(t.urls[1], L1)).status).toBe(200);
    expect((await play(t.urls[0], L2)).status).toBe(200);
    expect((await play(t.urls[1], L3)).body).toEqual(TOO_MANY_DEVICES);
    // Concurrently, on a fresh token: 3 devices x 4 requests each, two devices get in, all their requests served.
    const fresh = await token({ maxDevices: '2' });
    const devices = [L1, L2, L3];
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => play(fresh.urls[i % 2], devices[i % 3])));
    const served = new Set(results.flatMap((r, i) => (r.status === 200 ? [i % 3] : [])));
    expect(served.size).toBe(2);
    expect(results.filter((r) => r.status === 200)).toHaveLength(8);
    expect(results.filter((r) => r.status === 403 && r.body?.code === -9007)).toHaveLength(4);
  });
});
