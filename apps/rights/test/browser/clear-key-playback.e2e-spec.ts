import { makeClearKeyClip } from '@openplay/drm/testing';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { tokenUrl, useStack } from '../support/stack';
import {
  ARTIFACTS_DIR,
  launchChromium,
  openPlayerPage,
  type PlayerPage,
  requireBrowserTools,
  type ShakaError,
  startPageServer,
  waitForFailed,
  waitForPlayingOrFailed,
} from './browser-harness';

// Issue 18's end-to-end proof: Debian's Chromium, driven by playwright-core, plays a CENC DASH clip with Shaka
// Player, its Clear Key CDM getting the key from this rights server through a token from token-gen. Real apps, real
// PostgreSQL, real HTTP on loopback; the page (the /demo/ page) comes from another loopback origin.
const KID = 'fb2a3c5e3b1c4f8a9d0e7b6c5a493827';
const KEY = '00112233445566778899aabbccddeeff';
const WRONG_KEY = 'ffeeddccbbaa99887766554433221100';
const b64url = (hex: string) => Buffer.from(hex, 'hex').toString('base64url');

// Shaka Player's error codes (shaka.util.Error.Code) met here.
const BAD_HTTP_STATUS = 1001;
const VIDEO_ERROR = 3016;
const LICENSE_REQUEST_FAILED = 6007;
const NO_LICENSE_SERVER_GIVEN = 6012;
const MEDIA_ERR_DECODE = 3;

describe('Clear Key playback in Chromium with Shaka Player (token-gen, rights, Postgres, loopback)', () => {
  const stack = useStack();
  const mediaDir = mkdtempSync(path.join(tmpdir(), 'openplay-ck-clip-'));
  const observations: Record<string, unknown> = {};
  let browser: Browser | undefined;
  let pageServer: Awaited<ReturnType<typeof startPageServer>> | undefined;
  let auth: string;
  let expiring: { url: string; issuedAt: number };
  const pages: PlayerPage[] = [];

  const ckToken = async (key: string, extra = '') => {
    const response = await fetch(
      `${stack.tokenGenUrl}/hms/ck/token?customerAuthenticator=${auth}&errorFormat=json&kid=${KID}&contentKey=${key}${extra}`,
    );
    const body = await response.text();
    if (response.status !== 200) throw new Error(`token-gen answered ${response.status}: ${body}`);
    return body;
  };
  const open = async (query: Record<string, string>) => {
    const player = await openPlayerPage(browser!, pageServer!.origin, stack.rightsUrl, query);
    pages.push(player);
    return player;
  };
  /** Nothing left the loopback interface, the page's script never threw, the tab never crashed. */
  const expectCleanPage = (player: PlayerPage) => {
    expect(player.nonLoopbackRequests).toEqual([]);
    expect(player.pageErrors).toEqual([]);
    expect(player.crashed()).toBe(false);
  };

  beforeAll(async () => {
    requireBrowserTools();
    const account = await stack.admin.createAccount({ name: 'Browser', credits: null, widevine: true, fairplay: true });
    auth = encodeURIComponent(account.authenticators.test);
    // One second of life, used after the playback tests: expired by then without any clock trick.
    expiring = { url: await ckToken(KEY, '&expirationTime=%2B1'), issuedAt: Date.now() };
    const started = Date.now();
    const [, launched] = await Promise.all([
      makeClearKeyClip({ kid: Buffer.from(KID, 'hex'), key: Buffer.from(KEY, 'hex'), dir: mediaDir }),
      launchChromium(),
    ]);
    browser = launched;
    pageServer = await startPageServer(mediaDir);
    observations.setUpMs = Date.now() - started;
    observations.chromium = browser.version();
  }, 60_000);

  afterEach(async () => {
    for (const player of pages.splice(0)) await player.page.close().catch(() => undefined);
  });

  afterAll(async () => {
    await browser?.close();
    await pageServer?.close();
    rmSync(mediaDir, { recursive: true, force: true });
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    writeFileSync(path.join(ARTIFACTS_DIR, 'clear-key-playback.json'), `${JSON.stringify(observations, null, 2)}\n`);
  });

  it('plays: the license comes from the rights URL (200), time passes 2 s, frames and audio keep decoding', async () => {
    const license = await ckToken(KEY);
    expect(license).toMatch(new RegExp(`^${stack.rightsUrl}/hms/ck/rights/\\?ExpressPlayToken=[\\w-]+$`));
    const started = Date.now();
    const player = await open({ license });
    await waitForPlayingOrFailed(player, 2);
    const first = await player.playback();
    await player.page.waitForTimeout(400);
    const second = await player.playback();
    const state = await player.state();
    observations.playing = { ms: Date.now() - started, first, second, state, licenseAnswers: player.licenseAnswers };

    expect(state.errors).toEqual([]);
    expect(state.videoError).toBeNull();
    expect(player.licenseAnswers.map((answer) => [answer.url, answer.status])).toEqual([[license, 200]]);
    // The CDM's own request (unpadded base64url kid, temporary session) and rights' JSON Web Key Set for it.
    expect(state.exchanges).toHaveLength(1);
    expect(JSON.parse(state.exchanges[0].request)).toEqual({ kids: [b64url(KID)], type: 'temporary' });
    expect(state.exchanges[0]).toMatchObject({ uri: license, status: 200 });
    expect(state.exchanges[0].response.keys).toEqual([{ kty: 'oct', kid: b64url(KID), k: '<22 characters>' }]);
    expect(first.currentTime).toBeGreaterThan(2);
    expect(first.totalVideoFrames).toBeGreaterThan(25);
    expect(second.totalVideoFrames).toBeGreaterThan(first.totalVideoFrames);
    expect(second.audioDecodedBytes).toBeGreaterThan(first.audioDecodedBytes);
    expectCleanPage(player);

    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await player.page.screenshot({ path: path.join(ARTIFACTS_DIR, 'clear-key-playing.png') });
  });

  it('fails to decode with a token for the wrong key: the license is delivered, the media does not decrypt', async () => {
    const license = await ckToken(WRONG_KEY);
    const player = await open({ license });
    await waitForFailed(player);
    const [state, playback] = [await player.state(), await player.playback()];
    observations.wrongKey = { state, playback };

    // Clear Key cannot tell a wrong key: rights answers 200 and the decoder gets garbage.
    expect(player.licenseAnswers.map((answer) => answer.status)).toEqual([200]);
    expect(state.videoError).toEqual({ code: MEDIA_ERR_DECODE, message: expect.stringMatching(/DECODE/) });
    expect(state.errors.map((error) => error.code)).toContain(VIDEO_ERROR);
    expect(playback.currentTime).toBeLessThan(1);
    expectCleanPage(player);
  });

  it("reports an expired token's -4010 to the player: Shaka's license failure carries the JSON error body", async () => {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiring.issuedAt + 2_100 - Date.now())));
    const player = await open({ license: expiring.url });
    await waitForFailed(player);
    const state = await player.state();
    observations.expired = { state, licenseAnswers: player.licenseAnswers };

    const body = { code: -4010, message: '[-4010] Invalid token: token expired' };
    // Shaka retries a failed license request once (its default drm.retryParameters): rights refuses both.
    expect(player.licenseAnswers.map((answer) => answer.status)).toEqual([401, 401]);
    expect(JSON.parse(player.licenseAnswers[0].body)).toEqual(body);
    const failure = state.errors.find((error) => error.code === LICENSE_REQUEST_FAILED);
    const http = failure?.data[0] as ShakaError;
    expect(http.code).toBe(BAD_HTTP_STATUS);
    // BAD_HTTP_STATUS data: the URI, the status, the response text, …
    expect(http.data.slice(0, 3)).toEqual([expiring.url, 401, JSON.stringify(body)]);
    expect(state.videoError).toBeNull();
    expectCleanPage(player);
  });

  const wvToken = () =>
    tokenUrl(
      stack,
      'wv',
      `customerAuthenticator=${auth}&kid=^movie&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0`,
    );
  const fpToken = () => tokenUrl(stack, 'fp', `customerAuthenticator=${auth}&contentKey=${KEY}&iv=${KEY}`);

  it.each([
    ['Widevine', 'com.widevine.alpha', wvToken],
    ['FairPlay', 'com.apple.fps', fpToken],
  ])(
    'configured for %s with its rights URL: no such CDM here, Shaka reports it cleanly and rights is not asked',
    async (name, keySystem, token) => {
      const player = await open({ license: await token(), keySystem });
      await waitForFailed(player);
      const state = await player.state();
      const probe = await player.page.evaluate(
        `navigator.requestMediaKeySystemAccess('${keySystem}', [{ initDataTypes: ['cenc'],
           videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.42c01e"' }] }]).then(() => 'available', (e) => e.name)`,
      );
      observations[`${name} key system`] = { probe, state };

      // Debian's Chromium has neither CDM, and the clip's manifest names Clear Key only: Shaka finds Clear Key
      // without a server for it (6012, NO_LICENSE_SERVER_GIVEN) before any license request.
      expect(probe).toBe('NotSupportedError');
      expect(state.errors).toEqual([
        expect.objectContaining({ code: NO_LICENSE_SERVER_GIVEN, data: ['org.w3.clearkey'] }),
      ]);
      expect(player.licenseAnswers).toEqual([]);
      expectCleanPage(player);
    },
  );

  it.each([
    ['Widevine', '/hms/wv/rights/', wvToken, 400, -7008],
    ['FairPlay', '/hms/fp/rights/', fpToken, 400, -6004],
  ])(
    "as the Clear Key server, %s's rights URL refuses the Clear Key request: its JSON error reaches Shaka",
    async (name, route, token, status, code) => {
      const license = await token();
      expect(license).toContain(route);
      const player = await open({ license });
      await waitForFailed(player);
      const state = await player.state();
      observations[`${name} rights URL as Clear Key server`] = { state, licenseAnswers: player.licenseAnswers };

      expect(player.licenseAnswers.map((answer) => answer.status)).toEqual([status, status]);
      const body = JSON.parse(player.licenseAnswers[0].body);
      expect(body.code).toBe(code);
      const failure = state.errors.find((error) => error.code === LICENSE_REQUEST_FAILED);
      const http = failure?.data[0] as ShakaError;
      expect(http.code).toBe(BAD_HTTP_STATUS);
      expect(http.data.slice(0, 2)).toEqual([license, status]);
      expect(JSON.parse(http.data[2] as string)).toEqual(body);
      expectCleanPage(player);
    },
  );
});
