import { defaultFfmpegPath } from '@openplay/drm/testing';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { DEMO_PAGE_DIR, demoFiles } from '../../src/demo/demo-page';

/** Debian's Chromium unless CHROMIUM_PATH names another; never a downloaded browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the test leaves its screenshot and observations: git-ignored, beside .test-results at the repository root. */
export const ARTIFACTS_DIR = path.resolve(__dirname, '../../../../.artifacts/browser');

/**
 * Fails (never skips) when Chromium or ffmpeg is missing: the test proves real playback or nothing. CI installs both
 * (.ci/run); locally the message says how.
 */
export function requireBrowserTools(): void {
  const missing = [
    ['chromium', CHROMIUM_PATH, 'CHROMIUM_PATH'],
    ['ffmpeg', defaultFfmpegPath(), 'FFMPEG_PATH'],
  ].filter(([, file]) => !existsSync(file));
  if (missing.length > 0) {
    const list = missing.map(([tool, file, variable]) => `${tool} (looked for ${file}; ${variable} overrides)`);
    throw new Error(
      `The Clear Key browser test needs ${list.join(' and ')}: apt-get install -y chromium ffmpeg` +
        `${process.env.CI === 'true' ? ' (CI=true: .ci/run installs them)' : ''}`,
    );
  }
}

/** As requireBrowserTools, for a test that needs only Chromium (the console's). */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `This browser test needs chromium (looked for ${CHROMIUM_PATH}; CHROMIUM_PATH overrides): apt-get install -y chromium` +
        `${process.env.CI === 'true' ? ' (CI=true: .ci/run installs it)' : ''}`,
    );
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: 20_000,
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--disable-gpu'],
  });
}

/**
 * The page's own loopback server, another origin than rights (as a player's site is): the demo page with its
 * script, Shaka Player under shaka/, the clip under media/. EME needs a secure context, which http://127.0.0.1 is.
 */
export async function startPageServer(mediaDir: string): Promise<{ origin: string; close: () => Promise<void> }> {
  const { shakaPlayerFile } = demoFiles(mediaDir);
  const files: Record<string, [string, string]> = {
    '/': [path.join(DEMO_PAGE_DIR, 'index.html'), 'text/html; charset=utf-8'],
    '/player.js': [path.join(DEMO_PAGE_DIR, 'player.js'), 'text/javascript'],
    '/shaka/shaka-player.compiled.js': [shakaPlayerFile, 'text/javascript'],
  };
  const server: Server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://127.0.0.1');
    const media = /^\/media\/([\w.-]+)$/.exec(pathname);
    const [file, type] =
      files[pathname] ??
      (media ? [path.join(mediaDir, media[1]), media[1].endsWith('.mpd') ? 'application/dash+xml' : 'video/mp4'] : []);
    if (request.method !== 'GET' || file === undefined || !existsSync(file)) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** shaka.util.Error as the page keeps it (player.js): nested errors and HTTP details as plain data. */
export interface ShakaError {
  code: number;
  category: number;
  severity: number;
  data: unknown[];
}

/** What the page records in window.openplay. */
export interface PageState {
  phase: 'idle' | 'loading' | 'playing' | 'failed';
  errors: ShakaError[];
  exchanges: Array<{ uri: string; request: string; status: number | null; response: any }>;
  videoError: { code: number; message: string } | null;
}

export interface Playback {
  readonly currentTime: number;
  readonly totalVideoFrames: number;
  readonly audioDecodedBytes: number;
}

/** A page with what the browser did around it: every license request's answer, script errors, far requests. */
export interface PlayerPage {
  readonly page: Page;
  readonly licenseAnswers: Array<{ url: string; status: number; body: string }>;
  readonly pageErrors: string[];
  readonly nonLoopbackRequests: string[];
  readonly crashed: () => boolean;
  state(): Promise<PageState>;
  playback(): Promise<Playback>;
}

/** Opens the page in a new tab with `query` (license, keySystem) and watches the requests to `rightsOrigin`. */
export async function openPlayerPage(
  browser: Browser,
  pageOrigin: string,
  rightsOrigin: string,
  query: Record<string, string>,
): Promise<PlayerPage> {
  const page = await browser.newPage({ viewport: { width: 680, height: 1000 } });
  const licenseAnswers: PlayerPage['licenseAnswers'] = [];
  const pageErrors: string[] = [];
  const nonLoopbackRequests: string[] = [];
  let crashed = false;
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('crash', () => (crashed = true));
  page.on('request', (request) => {
    if (!request.url().startsWith('data:') && new URL(request.url()).hostname !== '127.0.0.1') {
      nonLoopbackRequests.push(request.url());
    }
  });
  page.on('response', (response) => {
    if (response.request().method() !== 'POST' || !response.url().startsWith(rightsOrigin)) return;
    const answer = { url: response.url(), status: response.status(), body: '' };
    licenseAnswers.push(answer);
    response.text().then(
      (body) => (answer.body = body),
      () => undefined,
    );
  });
  await page.goto(`${pageOrigin}/?${new URLSearchParams(query).toString()}`, { timeout: 10_000 });
  return {
    page,
    licenseAnswers,
    pageErrors,
    nonLoopbackRequests,
    crashed: () => crashed,
    state: () => page.evaluate<PageState>('window.openplay'),
    playback: () =>
      page.evaluate<Playback>(`(() => {
        const video = document.getElementById('video');
        return { currentTime: video.currentTime, totalVideoFrames: video.getVideoPlaybackQuality().totalVideoFrames,
                 audioDecodedBytes: video.webkitAudioDecodedByteCount };
      })()`),
  };
}

/** Waits until the page plays past `seconds` or fails; a timeout means neither happened. */
export async function waitForPlayingOrFailed(player: PlayerPage, seconds: number, timeout = 15_000): Promise<void> {
  await player.page.waitForFunction(
    `document.getElementById('video').currentTime > ${seconds} || window.openplay.phase === 'failed'`,
    null,
    { timeout, polling: 100 },
  );
}

export async function waitForFailed(player: PlayerPage, timeout = 10_000): Promise<void> {
  await player.page.waitForFunction("window.openplay.phase === 'failed'", null, { timeout, polling: 100 });
}
