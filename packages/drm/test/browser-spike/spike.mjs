#!/usr/bin/env node
// Spike: does a real Chromium play CENC media through Shaka Player with a Clear Key license from our own
// @openplay/drm Clear Key functions? Run from the repo root after `npx turbo run build --filter=@openplay/drm`:
//   node packages/drm/test/browser-spike/spike.mjs
// Needs Debian's `chromium` and `ffmpeg` (apt-get install -y chromium ffmpeg). Loopback only; exits non-zero on
// any failure and within 60 s. Output (media, screenshots) goes to .out/ beside this file, which git ignores.
/* global start, sample -- defined by the page this script serves, called through page.evaluate */
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

for (const [tool, path] of [
  ['chromium', CHROMIUM],
  ['ffmpeg', '/usr/bin/ffmpeg'],
]) {
  if (!existsSync(path)) fail(`${tool} is missing at ${path}: apt-get install -y chromium ffmpeg`);
}
const distIndex = resolve(here, '../../dist/index.js');
if (!existsSync(distIndex)) fail('packages/drm is not built: run `npx turbo run build --filter=@openplay/drm`');
const { parseClearKeyLicenseRequest, buildClearKeyLicense, ClearKeyRequestError } = require(distIndex);
const { chromium } = require('playwright-core');
const shakaDist = require.resolve('shaka-player/dist/shaka-player.compiled.js');

function fail(message) {
  console.error(`spike: FAILED: ${message}`);
  process.exit(1);
}

// 1. Media: 4 s of testsrc2 (H.264) and a 440 Hz sine (AAC), each as clear fragmented MP4 with 1 s fragments,
//    CENC-encrypted by cenc.mjs under one key and cut into DASH init + media segments under our own MPD.
rmSync(out, { recursive: true, force: true });
mkdirSync(media, { recursive: true });
const FFMPEG = ['-hide_banner', '-loglevel', 'error', '-y'];
const TRACKS = {
  video: [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=640x360:rate=25',
    '-t',
    '4',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-profile:v',
    'baseline',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '25',
    '-keyint_min',
    '25',
    '-sc_threshold',
    '0',
    '-movflags',
    'frag_keyframe+empty_moov+default_base_moof',
  ],
  // Every AAC frame is a key frame: frag_keyframe would make one fragment per 21 ms frame.
  audio: [
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    '-t',
    '4',
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    '-movflags',
    'empty_moov+default_base_moof',
    '-frag_duration',
    '1000000',
  ],
};
const kidUuid = KID.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
let ivBase = 0x0102030400000000n; // one IV sequence for all samples under the key: no IV is used twice
const adaptationSets = [];
for (const [name, args] of Object.entries(TRACKS)) {
  const clearFile = join(out, `${name}-clear.mp4`);
  execFileSync('ffmpeg', [...FFMPEG, ...args, clearFile], { stdio: 'inherit', timeout: 20_000 });
  const { init, fragments, trexDefaultDuration } = splitFragmented(readFileSync(clearFile));
  const { init: protectedInit, timescale, codecs, kind } = protectInit(init, KID);
  writeFileSync(join(media, `${name}-init.mp4`), protectedInit);
  const timeline = fragments.map((fragment, i) => {
    const encrypted = protectFragment(fragment, kind, KEY, ivBase, trexDefaultDuration);
    ivBase += BigInt(encrypted.count);
    writeFileSync(join(media, `${name}-${i + 1}.m4s`), encrypted.fragment);
    return `<S t="${encrypted.baseTime}" d="${encrypted.duration}"/>`;
  });
  const attributes =
    kind === 'video' ? 'bandwidth="1000000" width="640" height="360"' : 'bandwidth="64000" audioSamplingRate="48000"';
  adaptationSets.push(`
    <AdaptationSet contentType="${kind}" mimeType="${kind}/mp4" segmentAlignment="true">
      <ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc" cenc:default_KID="${kidUuid}"/>
      <ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0"/>
      <Representation id="${name}" codecs="${codecs}" ${attributes}>
        <SegmentTemplate timescale="${timescale}" initialization="${name}-init.mp4" media="${name}-$Number$.m4s">
          <SegmentTimeline>${timeline.join('')}</SegmentTimeline>
        </SegmentTemplate>
      </Representation>
    </AdaptationSet>`);
  log(`media: ${name} ${codecs}, ${fragments.length} encrypted fragments, timescale ${timescale}`);
}
writeFileSync(
  join(media, 'manifest.mpd'),
  `<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:cenc="urn:mpeg:cenc:2013" type="static"
     profiles="urn:mpeg:dash:profile:isoff-live:2011" mediaPresentationDuration="PT4S" minBufferTime="PT1S">
  <Period start="PT0S">${adaptationSets.join('')}
  </Period>
</MPD>
`,
);

// 2. Loopback server: page, Shaka, media, and a Clear Key license endpoint per scenario.
const licenseLog = [];
// What the license server does per scenario, and what the page must show.
const SCENARIOS = {
  good: { license: 'good', expect: 'plays' },
  'wrong-key': { license: 'wrong-key', expect: 'fails' },
  refused: { license: 'refuse', expect: 'fails' },
  'no-cors': { license: 'no-cors', expect: 'fails' },
};
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>clear key spike</title>
<script src="/shaka.js"></script></head><body style="margin:0;background:#222">
<video id="v" muted playsinline width="640" height="360"></video>
<script>
window.spike = { errors: [], videoError: null, loaded: false };
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
           audioBytes: video.webkitAudioDecodedByteCount, readyState: video.readyState, paused: video.paused };
}
</script></body></html>`;

// The page's server and, on another port like the rights server will be, the license server: the license
// request is cross-origin, as it will be in production.
const pageServer = createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (req.method === 'GET' && url.pathname === '/') return send(res, 200, { 'content-type': 'text/html' }, PAGE);
  if (req.method === 'GET' && url.pathname === '/favicon.ico') return send(res, 204, {}, '');
  if (req.method === 'GET' && url.pathname === '/shaka.js') {
    return send(res, 200, { 'content-type': 'text/javascript' }, readFileSync(shakaDist));
  }
  if (req.method === 'GET' && url.pathname.startsWith('/media/')) {
    const file = join(media, url.pathname.slice('/media/'.length));
    if (!file.startsWith(media) || !existsSync(file)) {
      return send(res, 404, { 'content-type': 'text/plain' }, 'not found');
    }
    const type = file.endsWith('.mpd') ? 'application/dash+xml' : 'video/mp4';
    return send(res, 200, { 'content-type': type }, readFileSync(file));
  }
  send(res, 404, { 'content-type': 'text/plain' }, 'not found');
});

const licenseServer = createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  const name = url.pathname.slice('/license/'.length);
  const behaviour = SCENARIOS[name]?.license;
  const cors = behaviour === 'no-cors' ? {} : { 'access-control-allow-origin': req.headers.origin ?? '*' };
  const entry = { scenario: name, method: req.method, origin: req.headers.origin ?? null };
  licenseLog.push(entry);
  if (!behaviour) return send(res, 404, { 'content-type': 'text/plain' }, 'no such scenario');
  if (req.method === 'OPTIONS') {
    entry.preflight = req.headers['access-control-request-headers'] ?? null;
    return send(res, 204, { ...cors, 'access-control-allow-methods': 'POST', 'access-control-allow-headers': '*' }, '');
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    Object.assign(entry, { contentType: req.headers['content-type'] ?? null, request: body.toString('latin1') });
    if (behaviour === 'refuse') {
      entry.status = 403;
      return send(res, 403, { ...cors, 'content-type': 'application/json' }, '{"code":-2018,"message":"refused"}');
    }
    try {
      const request = parseClearKeyLicenseRequest(body);
      const key = behaviour === 'wrong-key' ? WRONG_KEY : KEY;
      const license = buildClearKeyLicense(request.kids, [{ kid: KID, key }], request.type);
      entry.granted = license.granted.map((kid) => kid.toString('hex'));
      entry.status = license.granted.length > 0 ? 200 : 403;
      if (entry.status !== 200) return send(res, 403, { ...cors, 'content-type': 'text/plain' }, 'no key granted');
      send(res, 200, { ...cors, 'content-type': 'application/json' }, license.body);
    } catch (error) {
      entry.status = 400;
      entry.refusal = error instanceof ClearKeyRequestError ? error.reason : String(error);
      send(res, 400, { ...cors, 'content-type': 'text/plain' }, 'bad request');
    }
  });
});
function send(res, status, headers, body) {
  res.writeHead(status, { 'cache-control': 'no-store', ...headers });
  res.end(body);
}
const listen = (server) =>
  new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(`http://127.0.0.1:${server.address().port}`)));
const origin = await listen(pageServer);
const licenseOrigin = await listen(licenseServer);

// 3. Chromium, headless, via playwright-core and Debian's binary.
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  timeout: 20_000,
  args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--disable-gpu'],
});
log(`chromium ${browser.version()}`);
const failures = [];
const results = {};
try {
  for (const [name, { expect }] of Object.entries(SCENARIOS)) {
    const result = (results[name] = await scenario(name, expect));
    const requests = licenseLog.filter((entry) => entry.scenario === name && entry.method === 'POST');
    if (requests.length === 0) failures.push(`${name}: no license request reached the license server`);
    if (expect === 'plays') {
      const [first, second] = result.snapshots;
      if (!requests.some((entry) => entry.status === 200)) failures.push(`${name}: no license request got a 200`);
      if (result.errors.length > 0) failures.push(`${name}: Shaka errors ${JSON.stringify(result.errors)}`);
      if (!(first.currentTime > 2)) failures.push(`${name}: currentTime ${first.currentTime} did not pass 2 s`);
      if (!(first.frames > 0 && second.frames > first.frames)) {
        failures.push(`${name}: totalVideoFrames did not grow (${first.frames} → ${second.frames})`);
      }
      if (!(first.audioBytes > 0 && second.audioBytes > first.audioBytes)) {
        failures.push(`${name}: decoded audio did not grow (${first.audioBytes} → ${second.audioBytes} bytes)`);
      }
    } else {
      if (result.errors.length === 0 && result.videoError === null) failures.push(`${name}: no error surfaced`);
      if (result.snapshots[0].currentTime > 1) failures.push(`${name}: played ${result.snapshots[0].currentTime} s`);
    }
  }
} finally {
  await browser.close().catch(() => {});
  pageServer.close();
  licenseServer.close();
}

async function scenario(name, expect) {
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
  // Not awaited: play() stays pending while no key arrives.
  await page.evaluate((url) => void start(url), `${licenseOrigin}/license/${name}`);
  const snapshots = [];
  if (expect === 'plays') {
    const playedOrFailed = () => document.getElementById('v').currentTime > 2 || window.spike.errors.length > 0;
    await page.waitForFunction(playedOrFailed, null, { timeout: 15_000, polling: 100 });
    snapshots.push(await page.evaluate(() => sample()));
    await page.waitForTimeout(300);
  } else {
    await page
      .waitForFunction(() => window.spike.errors.length > 0 || window.spike.videoError !== null, null, {
        timeout: 10_000,
        polling: 100,
      })
      .catch(() => {});
  }
  snapshots.push(await page.evaluate(() => sample()));
  const state = await page.evaluate(() => window.spike);
  await page.screenshot({ path: join(out, `${name}.png`) });
  const result = { probe, ms: Date.now() - t0, snapshots, ...state, console: consoleLines.slice(-5) };
  log(`${name}: ${JSON.stringify(result)}`);
  await page.close();
  return result;
}

clearTimeout(watchdog);
log(`license server saw: ${JSON.stringify(licenseLog)}`);
if (failures.length > 0) fail(failures.join('; '));
log('spike: OK');
