// npm run bench:rights:wv — Widevine licenses/s, p50/p99 and errors of POST /hms/wv/rights/?ExpressPlayToken=…
// over loopback (rights as a child process, unlimited account, real Postgres), against a baseline (bare Fastify doing
// one RSA-PSS verification and one RSA-OAEP encryption with the same 2048-bit device keys) in the same run; then
// checks one audit row per 200. Challenges: a pool built beforehand by the independent client (npm `widevine`)
// from the drm package's test PKI (test root, device model, devices; its cached RSA keys), rotated by autocannon.
// BENCH_SECONDS (default 10 per run), BENCH_CONNECTIONS (default 32), BENCH_POOL (default 200) and BENCH_ROUNDS (default
// 5 alternating rounds of baseline and rights) bound the runs; BENCH_INSTRUCTIONS=1 counts instructions under callgrind
// instead (harness.mjs).
// BENCH_WORKERS=1,2 also runs rights with each WORKERS setting in turn (throughput, throughput per worker).
// BENCH_DIAGNOSE=1 adds a run of `08 04` requests on the same rights server (token, account, audit row, HTTP: all
// but the license crypto and the credit transaction), to show where a license's time goes.
// BENCH_USE_LIMIT=N gives the measured and warm-up tokens `useLimit=N` (docs/api.md §11): every license then goes
// through the use-counting batch function. The bench reuses one token and rotates BENCH_POOL challenges, so with
// N >= BENCH_POOL every answer is a license (the pool's first N are uses, the rest retries within the window).
// Each run is followed by the same rounds for a multi-key token (4 keys, AUDIO/SD/HD/UHD1, all delivered to the L1
// devices: a license with 4 content key containers, docs/api.md §12), reported beside it with its own ratio to the
// baseline; BENCH_MULTI_KEY=0 skips it, BENCH_MULTI_KEY=only runs it alone (say, to profile it with BENCH_PROFILE).
// BENCH_MAX_STREAMS=N gives them `maxStreams=N&streamLimitMode=stopOldest` (docs/api.md §13): every license is then
// a new stream admitted by the stream-counting batch function, which stops the oldest once N are live (so every
// answer stays a license). Compare its figures with a run without it: the ratio to the baseline is printed.
// BENCH_MAX_DEVICES=N gives them `maxDevices=N` (docs/api.md §13; the default 30-day window): every license then goes
// through the device-limit admission of the same batch function, for the user its cookie names. The pool's challenges
// come from DEVICE_COUNT devices, so N must be at least that for every answer to be a license (else -9007).
// Needs the apps built first: npx turbo run build.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  auditCheck,
  benchAccount,
  benchWorkers,
  compareWorkers,
  countingInstructions,
  figures,
  measureRuns,
  query,
  reportRuns,
  root,
  scratchDatabase,
  startServer,
  warmAndMeasure,
} from './harness.mjs';

const seconds = Number(process.env.BENCH_SECONDS || 10);
const connections = Number(process.env.BENCH_CONNECTIONS || 32);
const poolSize = Number(process.env.BENCH_POOL || 200);
const databasePool = '10';
const DEVICE_COUNT = 4;
const SYSTEM_ID = 7777;
const diagnose = process.env.BENCH_DIAGNOSE === '1';
const useLimit = process.env.BENCH_USE_LIMIT ? Number(process.env.BENCH_USE_LIMIT) : null;
const multiKey = process.env.BENCH_MULTI_KEY !== '0';
const singleKey = process.env.BENCH_MULTI_KEY !== 'only';
/** The multi-key token's keys: kid, content key, track (levels 1–2, so every L1 device gets all four). */
const MULTI_KEYS = ['AUDIO', 'SD', 'HD', 'UHD1'].map((track, i) => ({
  kid: `${String(i + 1).repeat(2)}`.padEnd(32, 'a'),
  key: `0${i}`.repeat(16),
  track,
}));
const maxStreams = process.env.BENCH_MAX_STREAMS ? Number(process.env.BENCH_MAX_STREAMS) : null;
const maxDevices = process.env.BENCH_MAX_DEVICES ? Number(process.env.BENCH_MAX_DEVICES) : null;
if (maxDevices !== null && !(Number.isInteger(maxDevices) && maxDevices >= DEVICE_COUNT && maxDevices <= 100))
  throw new Error(
    `BENCH_MAX_DEVICES must be ${DEVICE_COUNT}–100: the pool's challenges come from ${DEVICE_COUNT} devices`,
  );

// The test PKI and client driver: the drm package's testing entry.
const pki = createRequire(import.meta.url)('@openplay/drm/testing');
const { clientChallenge } = pki;
const { createPrivateKey, createPublicKey } = await import('node:crypto');

// --- test PKI, devices and the rights settings files
const keys = JSON.parse(readFileSync(pki.WIDEVINE_TEST_KEYS_FILE, 'utf8')).keys.map((pem) => {
  const privateKey = createPrivateKey(pem);
  return { privateKey, publicKey: createPublicKey(privateKey) };
});
const testRoot = await pki.createRoot(keys[0]);
const model = await pki.createModel(testRoot, SYSTEM_ID, { keys: keys[1] });
const devices = [];
for (let i = 0; i < DEVICE_COUNT; i++) devices.push(await pki.createDevice(model, { keys: keys[2 + i] }));
const dir = mkdtempSync(path.join(tmpdir(), 'openplay-bench-wv-'));
writeFileSync(path.join(dir, 'root.bin'), testRoot.certificate);
const service = diagnose ? await pki.createServiceCertificate(testRoot) : null;
if (service) {
  writeFileSync(path.join(dir, 'service.bin'), service.certificate);
  writeFileSync(path.join(dir, 'service.pem'), service.privateKeyPem);
}
writeFileSync(path.join(dir, 'devices.json'), JSON.stringify({ [SYSTEM_ID]: { level: 'L1', status: 'valid' } }));
writeFileSync(
  path.join(dir, 'device-keys.json'),
  JSON.stringify(devices.map((d) => d.keys.publicKey.export({ type: 'spki', format: 'pem' }))),
);

// --- the challenge pool: each signed by its device; the header tells the baseline which device key verifies it
const pool = Array.from({ length: poolSize }, (_, i) => ({
  device: i % DEVICE_COUNT,
  session: clientChallenge(devices[i % DEVICE_COUNT]),
}));
// No path in the entries: each run's url gives it (the warm-up's token differs from the measured run's).
const requests = pool.map(({ device, session }) => ({
  method: 'POST',
  body: session.challenge,
  headers: { 'content-type': 'application/octet-stream', 'x-bench-device': String(device) },
}));

const db = await scratchDatabase('rights_wv');
const servers = [];
try {
  const { authenticators } = await benchAccount(db.url);

  // --- tokens from token-gen (one for the measured run, one for the warm-up, whose rows are not counted); their URLs
  // name rights without a port, which the kernel gives rights when it starts (onRights below).
  const tokenGen = await startServer(
    path.join(root, 'apps/token-gen/dist/main.js'),
    {
      DATABASE_URL: db.url,
      TOKEN_GEN_HOST: '127.0.0.1',
      ENVIRONMENT: 'test',
      LOG_LEVEL: 'warn',
      RIGHTS_PUBLIC_URL: 'http://127.0.0.1',
    },
    { portVariable: 'TOKEN_GEN_PORT' },
  );
  servers.push(tokenGen);
  const contentKey = '000102030405060708090a0b0c0d0e0f';
  const kid = 'b366360da82e9c6e0b0984002a362cf2';
  const token = async (cookie, limited = false, multi = false) => {
    const keyParams = multi
      ? MULTI_KEYS.map((k) => `&key=${k.kid},${k.key},${k.track}`).join('') + '&trackSecurityLevel=HD:2'
      : `&kid=${kid}&contentKey=${contentKey}`;
    const response = await fetch(
      `${tokenGen.origin}/hms/wv/token?customerAuthenticator=${encodeURIComponent(authenticators.test)}${keyParams}` +
        `&securityLevel=1&hdcpOutputControl=0&cookie=${cookie}&expirationTime=%2B3600&errorFormat=json` +
        (limited && useLimit !== null ? `&useLimit=${useLimit}` : '') +
        (limited && maxStreams !== null ? `&maxStreams=${maxStreams}&streamLimitMode=stopOldest` : '') +
        (limited && maxDevices !== null ? `&maxDevices=${maxDevices}` : ''),
    );
    const body = await response.text();
    if (response.status !== 200) throw new Error(`token-gen answered ${response.status}: ${body}`);
    return new URL(body);
  };
  const benchToken = await token('bench', true);
  const warmToken = await token('warm-up', true);
  const diagnoseToken = await token('diagnose');
  const multiToken = await token('bench-mk', true, true);
  const multiWarmToken = await token('warm-up-mk', true, true);
  await tokenGen.stop();
  servers.pop();

  // --- baseline and rights: both stay up (an idle one costs nothing), and the rounds alternate between them
  const baseline = await startServer(
    path.join(root, 'scripts/bench/baseline-wv-license.mjs'),
    { BASELINE_DEVICE_KEYS: path.join(dir, 'device-keys.json') },
    { instructions: countingInstructions },
  );
  servers.push(baseline);

  const rightsEnv = (workers = 1) => ({
    DATABASE_URL: db.url,
    WORKERS: String(workers),
    RIGHTS_HOST: '127.0.0.1',
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_POOL_SIZE: databasePool,
    WIDEVINE_TRUSTED_ROOTS: path.join(dir, 'root.bin'),
    WIDEVINE_DEVICES: path.join(dir, 'devices.json'),
    WIDEVINE_UNKNOWN_DEVICES: 'reject',
    ...(service
      ? {
          WIDEVINE_SERVICE_CERTIFICATE: path.join(dir, 'service.bin'),
          WIDEVINE_SERVICE_PRIVATE_KEY: path.join(dir, 'service.pem'),
        }
      : {}),
  });
  const rights = await startServer(path.join(root, 'apps/rights/dist/main.js'), rightsEnv(), {
    portVariable: 'RIGHTS_PORT',
    instructions: countingInstructions,
  });
  servers.push(rights);
  /** A token URL from token-gen, on a given rights server. */
  const onRights = (url, server = rights) => new URL(`${url.pathname}${url.search}`, server.origin);
  const benchUrl = onRights(benchToken);
  const warmUrl = onRights(warmToken);
  const diagnoseUrl = onRights(diagnoseToken);
  const multiUrl = onRights(multiToken);
  const multiWarmUrl = onRights(multiWarmToken);
  const baselineUrl = `${baseline.origin}/license`;
  // One license checked end to end by the client before measuring (warm-up token): the answers are real licenses.
  const probe = pool[0].session;
  const answer = await fetch(warmUrl, { method: 'POST', body: probe.challenge });
  const recovered = probe.parse(Buffer.from(await answer.arrayBuffer()));
  if (recovered.length !== 1 || recovered[0].kid !== kid || recovered[0].key !== contentKey)
    throw new Error('the probe license does not carry the token key');
  const runs = singleKey
    ? await measureRuns(
        { server: baseline, options: { url: baselineUrl, requests, connections } },
        { server: rights, options: { url: benchUrl.href, requests, connections }, warmUpUrl: warmUrl.href },
        seconds,
      )
    : null;
  let multiRuns = null;
  if (multiKey) {
    const multiAnswer = await fetch(multiWarmUrl, { method: 'POST', body: pool[1].session.challenge });
    const multiRecovered = pool[1].session.parse(Buffer.from(await multiAnswer.arrayBuffer()));
    if (JSON.stringify(multiRecovered) !== JSON.stringify(MULTI_KEYS.map((k) => ({ kid: k.kid, key: k.key }))))
      throw new Error('the multi-key probe license does not carry the four token keys');
    multiRuns = await measureRuns(
      { server: baseline, options: { url: baselineUrl, requests, connections } },
      { server: rights, options: { url: multiUrl.href, requests, connections }, warmUpUrl: multiWarmUrl.href },
      seconds,
    );
  }
  const extra = [];
  if (diagnose && !countingInstructions) {
    const body = Buffer.from([8, 4]);
    const run = figures(
      await warmAndMeasure(
        {
          url: diagnoseUrl.href,
          method: 'POST',
          body,
          headers: { 'content-type': 'application/octet-stream' },
          connections,
        },
        seconds,
        undefined,
        rights,
      ),
    );
    extra.push(
      `diagnose: rights 08 04 (token, account, audit row; no license crypto, no credit) ${run.perSecond.toFixed(0)} req/s   p50 ${run.p50} ms   p99 ${run.p99} ms   errors ${run.errors}` +
        (run.cpuPerRequest == null ? '' : `   server CPU ${run.cpuPerRequest.toFixed(0)} µs/req`),
    );
  }
  for (const server of servers.splice(0).reverse()) await server.stop();
  const [{ n: rows }] = await query(
    db.url,
    "SELECT count(*)::int AS n FROM audit_events WHERE kind = 'redemption' AND result_code = 0 AND request_type = 'new' AND cookie = 'bench'",
  );

  const [{ n: multiRows }] = await query(
    db.url,
    "SELECT count(*)::int AS n FROM audit_events WHERE kind = 'redemption' AND result_code = 0 AND request_type = 'new' AND cookie = 'bench-mk'",
  );

  const workerSettings = benchWorkers();
  if (workerSettings.length > 0 && !countingInstructions) {
    await compareWorkers(
      'bench:rights:wv /hms/wv/rights',
      workerSettings,
      (workers) =>
        startServer(path.join(root, 'apps/rights/dist/main.js'), rightsEnv(workers), { portVariable: 'RIGHTS_PORT' }),
      async (server) =>
        figures(await warmAndMeasure({ url: onRights(benchToken, server).href, requests, connections }, seconds)),
    );
  }

  if (runs)
    reportRuns(
      'bench:rights:wv',
      `${poolSize} pre-built challenges from ${DEVICE_COUNT} RSA-2048 devices, pool ${databasePool}, loopback` +
        (useLimit === null ? '' : `, token useLimit ${useLimit}`) +
        (maxStreams === null ? '' : `, token maxStreams ${maxStreams} (stopOldest)`) +
        (maxDevices === null ? '' : `, token maxDevices ${maxDevices}`),
      { seconds, connections },
      'lic',
      { name: 'rights /hms/wv/rights', figures: runs.subject },
      { name: 'baseline PSS verify+OAEP', figures: runs.baseline },
      [auditCheck('licenses', rows, runs), ...extra],
    );
  if (multiRuns) {
    reportRuns(
      'bench:rights:wv multi-key',
      `the same challenges, a token of 4 keys (AUDIO, SD, HD, UHD1): 4 content key containers per license`,
      { seconds, connections },
      'lic',
      { name: 'rights /hms/wv/rights 4 keys', figures: multiRuns.subject },
      { name: 'baseline PSS verify+OAEP', figures: multiRuns.baseline },
      [auditCheck('multi-key licenses', multiRows, multiRuns)],
    );
  }
} finally {
  for (const server of servers.reverse()) await server.stop();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
}
