#!/usr/bin/env node
// Spike: does a real Chromium play CENC media through Shaka Player with a Clear Key license from our own
// @openplay/drm Clear Key functions? Run from the repo root after `npx turbo run build --filter=@openplay/drm`:
//   node packages/drm/test/browser-spike/spike.mjs
// Needs Debian's `chromium` and `ffmpeg` (apt-get install -y chromium ffmpeg). Loopback only; exits non-zero on
// any failure and within 60 s. Output (media, screenshots) goes to .out/ beside this file, which git ignores.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { protectFragment, protectInit, splitFragmented } from './cenc.mjs';

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const log = (...args) => console.log(`[${elapsed()}]`, ...args);
const watchdog = setTimeout(() => {
  console.error(`spike: FAILED, over the 60 s budget`);
  process.exit(2);
}, 60_000);

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const out = join(here, '.out');
const media = join(out, 'media');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const KID = Buffer.from('fb2a3c5e3b1c4f8a9d0e7b6c5a493827', 'hex');
const KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const WRONG_KEY = Buffer.from('ffeeddccbbaa99887766554433221100', 'hex');

const distIndex = resolve(here, '../../dist/index.js');
if (!existsSync(distIndex)) fail('packages/drm is not built: run `npx turbo run build --filter=@openplay/drm`');
const { parseClearKeyLicenseRequest, buildClearKeyLicense, ClearKeyRequestError } = require(distIndex);
const { chromium } = require('playwright-core');
const shakaDist = require.resolve('shaka-player/dist/shaka-player.compiled.js');

function fail(message) {
  console.error(`spike: FAILED: ${message}`);
  process.exit(1);
}

// 1. Media: 4 s of testsrc2 as clear fragmented MP4 (1 s fragments), then CENC-encrypted and cut into a DASH
//    init segment + 4 media segments with our own MPD.
rmSync(out, { recursive: true, force: true });
mkdirSync(media, { recursive: true });
const clearFile = join(out, 'clear.mp4');
const ffmpegArgs = [
  '-hide_banner', '-loglevel', 'error', '-y',
  '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25',
  '-t', '4',
  '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
  '-g', '25', '-keyint_min', '25', '-sc_threshold', '0',
  '-movflags', 'frag_keyframe+empty_moov+default_base_moof',
  clearFile,
];
execFileSync('ffmpeg', ffmpegArgs, { stdio: 'inherit', timeout: 20_000 });
const { init, fragments, trexDefaultDuration } = splitFragmented(readFileSync(clearFile));
const { init: protectedInit, timescale, codecs } = protectInit(init, KID);
writeFileSync(join(media, 'init.mp4'), protectedInit);
const timeline = [];
let ivBase = 0x0102030400000000n;
fragments.forEach((fragment, i) => {
  const encrypted = protectFragment(fragment, KEY, ivBase, trexDefaultDuration);
  ivBase += BigInt(encrypted.count);
  writeFileSync(join(media, `seg-${i + 1}.m4s`), encrypted.fragment);
  timeline.push(`<S t="${encrypted.baseTime}" d="${encrypted.duration}"/>`);
});
const kidUuid = KID.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
writeFileSync(
  join(media, 'manifest.mpd'),
  `<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:cenc="urn:mpeg:cenc:2013" type="static"
     profiles="urn:mpeg:dash:profile:isoff-live:2011" mediaPresentationDuration="PT4S" minBufferTime="PT1S">
  <Period start="PT0S">
    <AdaptationSet contentType="video" mimeType="video/mp4" segmentAlignment="true">
      <ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc" cenc:default_KID="${kidUuid}"/>
      <ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0"/>
      <Representation id="v" codecs="${codecs}" bandwidth="1000000" width="640" height="360">
        <SegmentTemplate timescale="${timescale}" initialization="init.mp4" media="seg-$Number$.m4s" startNumber="1">
          <SegmentTimeline>${timeline.join('')}</SegmentTimeline>
        </SegmentTemplate>
      </Representation>
    </AdaptationSet>
  </Period>
</MPD>
`,
);
log(`media: ${fragments.length} encrypted fragments, ${codecs}, timescale ${timescale}`);

// 2. Loopback server: page, Shaka, media, and a Clear Key license endpoint per scenario.
const licenseLog = [];
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>clear key spike</title>
<script src="/shaka.js"></script></head><body style="margin:0;background:#222">
<video id="v" muted playsinline width="640" height="360"></video>
<script>
window.spike = { errors: [], videoError: null, loaded: false, keyStatuses: [] };
async function start(licenseUrl) {
  shaka.polyfill.installAll();
  const video = document.getElementById('v');
  video.addEventListener('error', () => {
    window.spike.videoError = { code: video.error && video.error.code, message: video.error && video.error.message };
  });
  const player = new shaka.Player();
  await player.attach(video);
  player.configure({ drm: { servers: { 'org.w3.clearkey': licenseUrl } } });
  player.addEventListener('error', (e) => window.spike.errors.push(
    { code: e.detail.code, category: e.detail.category, severity: e.detail.severity, data: String(e.detail.data) }));
  player.addEventListener('keystatuschanged', () => {});
  try {
    await player.load('/media/manifest.mpd');
    window.spike.loaded = true;
    await video.play();
  } catch (e) {
    window.spike.errors.push({ code: e.code, category: e.category, data: String(e.data), message: String(e.message) });
  }
}
function sample() {
  const video = document.getElementById('v');
  const quality = video.getVideoPlaybackQuality();
  return { currentTime: video.currentTime, frames: quality.totalVideoFrames, dropped: quality.droppedVideoFrames,
           readyState: video.readyState, paused: video.paused, ended: video.ended };
}
</script></body></html>`;

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (req.method === 'GET' && url.pathname === '/') return send(res, 200, 'text/html', PAGE);
  if (req.method === 'GET' && url.pathname === '/shaka.js') return send(res, 200, 'text/javascript', readFileSync(shakaDist));
  if (req.method === 'GET' && url.pathname.startsWith('/media/')) {
    const file = join(media, url.pathname.slice('/media/'.length));
    if (!file.startsWith(media) || !existsSync(file)) return send(res, 404, 'text/plain', 'not found');
    const type = file.endsWith('.mpd') ? 'application/dash+xml' : 'video/mp4';
    return send(res, 200, type, readFileSync(file));
  }
  if (req.method === 'POST' && url.pathname.startsWith('/license/')) {
    const scenario = url.pathname.slice('/license/'.length);
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry = { scenario, request: body.toString('latin1'), contentType: req.headers['content-type'] };
      licenseLog.push(entry);
      try {
        const request = parseClearKeyLicenseRequest(body);
        const key = scenario === 'wrong-key' ? WRONG_KEY : KEY;
        const license = buildClearKeyLicense(request.kids, [{ kid: KID, key }], request.type);
        entry.status = license.granted.length > 0 ? 200 : 403;
        entry.granted = license.granted.map((kid) => kid.toString('hex'));
        if (entry.status !== 200) return send(res, 403, 'text/plain', 'no key granted');
        send(res, 200, 'application/json', license.body);
      } catch (error) {
        entry.status = 400;
        entry.refusal = error instanceof ClearKeyRequestError ? error.reason : String(error);
        send(res, 400, 'text/plain', 'bad request');
      }
    });
    return;
  }
  send(res, 404, 'text/plain', 'not found');
});
function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;

// 3. Chromium, headless, via playwright-core and Debian's binary.
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  timeout: 20_000,
  args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--disable-gpu'],
});
log(`chromium ${browser.version()}`);
const failures = [];
const report = {};
try {
  report.good = await scenario('good', async (page, snapshots) => {
    await page.waitForFunction(() => document.getElementById('v').currentTime > 2 || window.spike.errors.length > 0, null, {
      timeout: 15_000,
      polling: 100,
    });
    snapshots.push(await page.evaluate(() => sample()));
    await page.waitForTimeout(300);
    snapshots.push(await page.evaluate(() => sample()));
  });
  const good = report.good;
  const [first, second] = good.snapshots;
  const goodLicense = licenseLog.find((entry) => entry.scenario === 'good');
  if (!goodLicense || goodLicense.status !== 200) failures.push('good: the license request did not get a 200');
  if (good.errors.length > 0) failures.push(`good: Shaka errors ${JSON.stringify(good.errors)}`);
  if (!(first.currentTime > 2)) failures.push(`good: currentTime ${first.currentTime} did not pass 2 s`);
  if (!(second.frames > first.frames && first.frames > 0)) {
    failures.push(`good: totalVideoFrames did not grow (${first.frames} → ${second.frames})`);
  }

  report.wrongKey = await scenario('wrong-key', async (page, snapshots) => {
    await page
      .waitForFunction(() => window.spike.errors.length > 0 || window.spike.videoError !== null, null, {
        timeout: 10_000,
        polling: 100,
      })
      .catch(() => {});
    snapshots.push(await page.evaluate(() => sample()));
  });
  const wrong = report.wrongKey;
  const wrongLicense = licenseLog.find((entry) => entry.scenario === 'wrong-key');
  if (!wrongLicense || wrongLicense.status !== 200) failures.push('wrong-key: the license request did not get a 200');
  if (wrong.errors.length === 0 && wrong.videoError === null) {
    failures.push(`wrong-key: no error surfaced (${JSON.stringify(wrong.snapshots)})`);
  }
  if (wrong.snapshots[0].currentTime > 2) failures.push('wrong-key: played past 2 s with the wrong key');
} finally {
  await browser.close().catch(() => {});
  server.close();
}

async function scenario(name, waitFor) {
  const page = await browser.newPage({ viewport: { width: 640, height: 360 } });
  const consoleLines = [];
  page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.hostname !== '127.0.0.1') fail(`non-loopback request ${url.origin}`);
  });
  const t0 = Date.now();
  await page.goto(`${origin}/`, { timeout: 10_000 });
  const probe = await page.evaluate(async () => {
    try {
      await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [
        { initDataTypes: ['cenc'], videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.42c01e"' }] },
      ]);
      return 'org.w3.clearkey available';
    } catch (error) {
      return `org.w3.clearkey unavailable: ${error}`;
    }
  });
  await page.evaluate((url) => start(url), `${origin}/license/${name}`);
  const snapshots = [];
  await waitFor(page, snapshots);
  const state = await page.evaluate(() => window.spike);
  await page.screenshot({ path: join(out, `${name}.png`) });
  const result = { probe, ms: Date.now() - t0, snapshots, ...state, console: consoleLines.slice(-10) };
  log(`${name}: ${JSON.stringify(result)}`);
  await page.close();
  return result;
}

clearTimeout(watchdog);
log(`license requests: ${JSON.stringify(licenseLog)}`);
if (failures.length > 0) fail(failures.join('; '));
log('spike: OK');
