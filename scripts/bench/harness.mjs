// Shared by the benchmarks: a scratch database, child servers, autocannon runs and the report.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const pg = require('pg');
const autocannon = require('autocannon');

export const SERVER_URL =
  process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';

export function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A migrated database of its own for this run; dropped by the returned function. */
export async function scratchDatabase(label) {
  const name = `openplay_bench_${label}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = withDatabase(SERVER_URL, name);
  const { migrate } = await import(path.join(root, 'packages/database/scripts/migrate.mjs'));
  await migrate(url, { quiet: true });
  return {
    url,
    drop: async () => {
      const client = new pg.Client({ connectionString: SERVER_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function query(url, text, values) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * BENCH_INSTRUCTIONS=1: no timed rounds; each server runs under valgrind's callgrind, and the report gives the
 * instructions its main thread executes per request (the thread that bounds a Node server's throughput), counted
 * between two request counts so that start-up and warm-up are left out. An instruction count nearly repeats whatever
 * else the machine is doing (runs of the same build mostly agreed within 2.5%, the Widevine baseline's once within 5%,
 * where a timed round's ratio swings by ±0.15), so a change of a few percent shows in one run. It is not a timing: a cache miss costs more than an instruction,
 * kernel time is not counted, and OpenSSL picks its code by the CPU features valgrind reports (the RSA share differs).
 */
export const countingInstructions = process.env.BENCH_INSTRUCTIONS === '1';

/**
 * Starts `node file` with env, the server's port setting (`portVariable`) at 0, and waits for `GET /health` on the
 * port it reports (report-listening.cjs); under callgrind with `instructions` (measureRuns counts them). The kernel
 * picks the port when the server binds, so two benchmarks on one machine never share one; the server gets `port` and
 * `origin` (http://127.0.0.1:<port>).
 */
export async function startServer(file, env, { portVariable = 'PORT', instructions = false } = {}) {
  // BENCH_PROFILE=<dir> writes a CPU profile of each server (node --cpu-prof) for finding what dominates.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  // BENCH_CALLGRIND_ARGS: more callgrind options, say `--cache-sim=yes` (cache misses per request; see the README).
  const callgrindArgs = (process.env.BENCH_CALLGRIND_ARGS ?? '').split(' ').filter(Boolean);
  const callgrindDir = instructions ? mkdtempSync(path.join(tmpdir(), 'openplay-callgrind-')) : null;
  // BENCH_NODE_FLAGS: node options for every server of the run alike (V8 heap flags such as --min-semi-space-size or
  // --initial-old-space-size, which NODE_OPTIONS refuses), so that a ratio still compares servers on the same runtime.
  const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const reportDir = mkdtempSync(path.join(tmpdir(), 'openplay-bench-listen-'));
  const reportFile = path.join(reportDir, 'listening.jsonl');
  const nodeArgs = [...nodeFlags, '--require', path.join(root, 'scripts/bench/report-listening.cjs'), file];
  const command = callgrindDir
    ? [
        'valgrind',
        [
          '--tool=callgrind',
          '--separate-threads=yes',
          ...callgrindArgs,
          `--callgrind-out-file=${callgrindDir}/callgrind.%p`,
          process.execPath,
          ...nodeArgs,
        ],
      ]
    : [process.execPath, [...profile, ...nodeArgs]];
  const child = spawn(command[0], command[1], {
    cwd: root,
    env: { ...process.env, ...env, [portVariable]: '0', BENCH_LISTEN_REPORT: reportFile },
    stdio: ['ignore', 'ignore', callgrindDir ? 'ignore' : 'inherit'],
  });
  const name = path.basename(file);
  // Kept until the server stops: a cluster worker that starts later reports its port there too.
  const cleanUp = () => rmSync(reportDir, { recursive: true, force: true });
  // Under valgrind a server starts some fifty times slower.
  const deadline = Date.now() + (callgrindDir ? 300_000 : 30_000);
  let port = null;
  let answered = false;
  try {
    while (!answered && Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${name} exited with ${child.exitCode ?? child.signalCode}`);
      port ??= reportedPort(reportFile, name);
      if (port !== null) {
        try {
          answered = (await fetch(`http://127.0.0.1:${port}/health`)).ok;
        } catch {
          // listening, not yet answering
        }
      }
      if (!answered) await new Promise((resolve) => setTimeout(resolve, callgrindDir ? 1000 : 100));
    }
    if (!answered) throw new Error(`${name} did not answer ${port === null ? 'on any port' : `on port ${port}`}`);
  } catch (error) {
    child.kill('SIGKILL');
    if (callgrindDir) rmSync(callgrindDir, { recursive: true, force: true });
    cleanUp();
    throw error;
  }
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    /** CPU seconds (user + system, all threads) the server has used so far; null where /proc is missing. */
    cpuSeconds: () => cpuSecondsOf(child.pid),
    callgrind: callgrindDir ? { pid: child.pid, dir: callgrindDir } : null,
    stop: () =>
      new Promise((resolve) => {
        const exited = () => {
          cleanUp();
          // BENCH_KEEP_CALLGRIND=1 keeps the dumps, for callgrind_annotate (see the README).
          if (callgrindDir && process.env.BENCH_KEEP_CALLGRIND === '1')
            process.stdout.write(`callgrind dumps of ${name}: ${callgrindDir}\n`);
          else if (callgrindDir) rmSync(callgrindDir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return exited();
        child.once('exit', exited);
        child.kill('SIGTERM');
      }),
  };
}

/**
 * The port the server's processes reported listening on (a cluster's primary and workers report the same one), or
 * null before any has. More than one port means a server that listens twice: which one to load would be a guess.
 */
function reportedPort(file, name) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  // Only whole lines: a line is appended in one write, but the read may come between two.
  const lines = text.split('\n').slice(0, -1);
  const ports = new Set(lines.map((line) => JSON.parse(line).port));
  if (ports.size > 1) throw new Error(`${name} listens on more than one port (${[...ports].join(', ')})`);
  return ports.size === 1 ? [...ports][0] : null;
}

/**
 * Sends `count` requests, `concurrency` at a time, and fails on any answer but 2xx. `options`: url, and method, body
 * and headers, or `requests` (a list of those, taken in turn, as autocannon does).
 */
async function send(options, count, concurrency = 8) {
  const list = options.requests ?? [options];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const { method = 'GET', body, headers } = list[next++ % list.length];
      const response = await fetch(options.url, { method, body, headers });
      const answer = await response.arrayBuffer();
      if (response.status < 200 || response.status > 299) {
        throw new Error(`${options.url} answered ${response.status}: ${Buffer.from(answer).toString('utf8', 0, 200)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * For BENCH_INSTRUCTIONS: `warm` requests to warm the server up (`warmUpUrl`, so their audit rows stay apart), then
 * the counters zeroed, `measure` requests, and the counters dumped. Gives instructions per request of the main thread
 * and of all threads together (V8's compiler and GC helpers), and `ok`, the measured requests.
 */
async function countInstructions(server, options, warmUpUrl = options.url, { warm = 1500, measure = 1500 } = {}) {
  const { pid, dir } = server.callgrind;
  await send({ ...options, url: warmUpUrl }, warm);
  execFileSync('callgrind_control', ['--zero', String(pid)], { stdio: 'ignore' });
  await send(options, measure);
  execFileSync('callgrind_control', ['--dump', String(pid)], { stdio: 'ignore' });
  // One file per thread, callgrind.<pid>.<dump>-<thread>: -01 is the main thread's. Each count's files are removed
  // once read, so that a second count on the same server (the multi-key run) reads its own dump, not the first.
  const dumped = new RegExp(`^callgrind\\.${pid}\\.\\d+-\\d+$`);
  let files = [];
  for (let tries = 0; tries < 100 && files.length === 0; tries++) {
    files = readdirSync(dir).filter((name) => dumped.test(name));
    if (files.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  let main = null;
  let all = 0;
  for (const name of files) {
    const text = readFileSync(path.join(dir, name), 'utf8');
    const total = Number(/^(?:summary|totals): (\d+)/m.exec(text)?.[1] ?? NaN);
    all += total;
    if (name.endsWith('-01')) main = total;
    rmSync(path.join(dir, name));
  }
  if (main === null || Number.isNaN(all)) throw new Error(`no callgrind dump for process ${pid}`);
  return { main: main / measure, all: all / measure, ok: measure, errors: 0 };
}

/** The BENCH_INSTRUCTIONS report: instructions per request of each server, and baseline/subject of the main threads. */
function reportInstructions(title, unit, subject, baseline, extra = []) {
  const [s] = subject.figures;
  const [b] = baseline.figures;
  const row = (name, c) =>
    `${name.padEnd(36)} main thread ${(c.main / 1e6).toFixed(3)} M instructions/${unit}   all threads ${(c.all / 1e6).toFixed(3)} M   (${c.ok} ${unit} counted)`;
  process.stdout.write(
    [
      `== ${title}, instructions under callgrind`,
      row(subject.name, s),
      row(baseline.name, b),
      `instruction ratio (${baseline.name} / ${subject.name}, main threads): ${(b.main / s.main).toFixed(2)}`,
      ...extra,
    ].join('\n') + '\n',
  );
}

/**
 * The measured runs of a rights benchmark: with BENCH_INSTRUCTIONS, one instruction count per server (countInstructions);
 * otherwise both servers primed, then BENCH_ROUNDS alternating timed rounds (warmAndMeasure). `baseline` and `subject`:
 * { server, options } (options as for load(): url, connections, and body or requests); the subject's warm-ups go to
 * `subject.warmUpUrl`, so that only measured requests carry the counted cookie. Returns { subject: [...], baseline: [...] }.
 */
export async function measureRuns(baseline, subject, seconds) {
  if (countingInstructions) {
    return {
      subject: [await countInstructions(subject.server, subject.options, subject.warmUpUrl)],
      baseline: [await countInstructions(baseline.server, baseline.options)],
    };
  }
  await prime(baseline.options, { ...subject.options, url: subject.warmUpUrl });
  return alternate(
    benchRounds(),
    async () => figures(await warmAndMeasure(baseline.options, seconds, undefined, baseline.server)),
    async () => figures(await warmAndMeasure(subject.options, seconds, subject.warmUpUrl, subject.server)),
  );
}

/** The report of measureRuns' runs (`subject` and `baseline`: { name, figures }): `setting` describes the load; timed runs add their seconds and connections. */
export function reportRuns(bench, setting, { seconds, connections }, unit, subject, baseline, extra) {
  if (countingInstructions) reportInstructions(`${bench} — ${setting}`, unit, subject, baseline, extra);
  else report(`${bench} — ${seconds} s, ${connections} connections, ${setting}`, unit, subject, baseline, extra);
}

let clockTicks;
/** CPU seconds (user + system) a process has used so far; null when it is gone or /proc is missing. */
export function cpuSecondsOf(pid) {
  try {
    return cpuSecondsIn(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** /proc/<pid>/stat: fields after the parenthesised command; utime and stime are the 14th and 15th fields. */
function cpuSecondsIn(stat) {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/**
 * CPU seconds used so far by each of this machine's PostgreSQL processes (backends, WAL writer, checkpointer), by pid;
 * null where /proc is missing or the database runs elsewhere. On a shared machine the database's work competes with
 * the server's for the same cores, so a redemption's cost is the sum of both. Processes that start or exit during a
 * run (an autovacuum worker) are left out: their time cannot be split at the run's edges.
 */
function databaseCpu() {
  const byPid = new Map();
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue; // exited meanwhile
      }
      if (stat.includes('(postgres)')) byPid.set(entry, cpuSecondsIn(stat));
    }
  } catch {
    return null;
  }
  return byPid.size > 0 ? byPid : null;
}

/** The database CPU seconds between two databaseCpu() samples, over the processes present in both. */
function databaseCpuBetween(before, after) {
  if (!before || !after) return null;
  let total = 0;
  for (const [pid, seconds] of after) if (before.has(pid)) total += seconds - before.get(pid);
  return total;
}

/** One bounded autocannon run: `amount` requests (all answered), or `seconds` of load, whichever ends first. */
export function load({ url, method = 'GET', body, headers, requests, seconds, amount, connections }) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, method, body, headers, requests, duration: seconds, amount, connections, pipelining: 1, timeout: 10 },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/**
 * A warm-up of 2 s, then a measured run of about `seconds`: as many requests as the warm-up's rate
 * predicts, so that the run ends with every request answered (a timed stop drops those in flight,
 * and their audit rows could not be matched with 200s). Capped at 3 × `seconds`.
 */
export async function warmAndMeasure(options, seconds, warmUpUrl = options.url, server = null) {
  const warm = await load({ ...options, url: warmUpUrl, seconds: 2 });
  const rate = warm['2xx'] / (warm.duration || 2);
  // With the server given, the CPU it used during the measured run (per request in figures()): a figure the other
  // processes on the machine (load generator, database, other work) disturb far less than requests per second.
  const cpuBefore = server?.cpuSeconds() ?? null;
  const databaseBefore = databaseCpu();
  const result = await load({ ...options, amount: Math.max(500, Math.round(rate * seconds)), seconds: seconds * 3 });
  const cpuAfter = server?.cpuSeconds() ?? null;
  const databaseAfter = databaseCpu();
  if (cpuBefore !== null && cpuAfter !== null) result.serverCpuSeconds = cpuAfter - cpuBefore;
  const databaseSeconds = databaseCpuBetween(databaseBefore, databaseAfter);
  if (databaseSeconds !== null) result.databaseCpuSeconds = databaseSeconds;
  return result;
}

export function figures(result) {
  const ok = result['2xx'];
  return {
    perSecond: ok / ((result.finish - result.start) / 1000 || result.duration || 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    ok,
    cpuPerRequest: result.serverCpuSeconds === undefined || ok === 0 ? null : (result.serverCpuSeconds / ok) * 1e6,
    databaseCpuPerRequest:
      result.databaseCpuSeconds === undefined || ok === 0 ? null : (result.databaseCpuSeconds / ok) * 1e6,
  };
}

/**
 * Baseline and subject measured alternately, `rounds` times each, the order flipped every round: the machine's
 * speed drifts during a run (other work on shared cores, the host slowing sustained load), and alternating makes
 * the drift weigh on both alike. Each measure function returns figures(); the report takes medians over the rounds.
 */
export async function alternate(rounds, measureBaseline, measureSubject) {
  const baseline = [];
  const subject = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      baseline.push(await measureBaseline());
      subject.push(await measureSubject());
    } else {
      subject.push(await measureSubject());
      baseline.push(await measureBaseline());
    }
  }
  return { baseline, subject };
}

/**
 * One unmeasured load of BENCH_PRIME seconds (default 30) on each server before the rounds. A freshly started server
 * is still compiling its hot code (V8 tiers functions up as they run, and a request runs each of Nest's, Fastify's and
 * the DRM module's functions once): the rights server's throughput climbs for 10–20 s of load (FairPlay, 5 s windows
 * from a fresh start: 2,122, 2,138, 2,528, 2,826 CKC/s in one run; 2,238, 3,158, 3,397 in another, then flat to 120 s),
 * while the bare baseline is at speed in its first window. With 10 s, the subject's first round was partly warm-up.
 */
export async function prime(...runs) {
  const seconds = Math.max(0, Number(process.env.BENCH_PRIME ?? 30));
  if (seconds > 0) for (const options of runs) await load({ ...options, seconds });
}

/**
 * BENCH_ROUNDS: alternating rounds of baseline and subject (default 5). On these shared machines one round's ratio swings
 * by ±0.15 with the host's load (the same baseline ran at 200 and at 310 µs of CPU per request within minutes), and
 * the median of five is steadier than the median of three.
 */
export const benchRounds = () => Math.max(1, Number(process.env.BENCH_ROUNDS || 5));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** `subject.figures` and `baseline.figures`: one figures() per round. */
export function report(title, unit, subject, baseline, extra = []) {
  const subjectRuns = subject.figures;
  const baselineRuns = baseline.figures;
  const row = (name, f) =>
    `${name.padEnd(36)} ${f.perSecond.toFixed(0).padStart(8)} ${unit}/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   errors ${f.errors}` +
    (f.cpuPerRequest == null ? '' : `   server CPU ${f.cpuPerRequest.toFixed(0)} µs/${unit}`) +
    (f.databaseCpuPerRequest == null ? '' : `   database CPU ${f.databaseCpuPerRequest.toFixed(0)} µs/${unit}`);
  const rounds = subjectRuns.length;
  const lines = [`== ${title}${rounds > 1 ? `, ${rounds} alternating rounds` : ''}`];
  const ratios = [];
  const cpuRatios = [];
  for (let i = 0; i < rounds; i++) {
    const s = subjectRuns[i];
    const b = baselineRuns[i];
    const label = rounds > 1 ? ` (round ${i + 1})` : '';
    lines.push(row(subject.name + label, s), row(baseline.name + label, b));
    ratios.push(s.perSecond / b.perSecond);
    if (s.cpuPerRequest && b.cpuPerRequest) cpuRatios.push(s.cpuPerRequest / b.cpuPerRequest);
  }
  lines.push(
    `ratio (${subject.name} / ${baseline.name}): ${median(ratios).toFixed(2)}` +
      (rounds > 1 ? ` (median of ${ratios.map((r) => r.toFixed(2)).join(', ')})` : '') +
      (cpuRatios.length === rounds ? `   (server CPU per ${unit}: ${median(cpuRatios).toFixed(2)}×)` : ''),
    ...extra,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * The audit check of a benchmark: its report line, and a failing exit code unless every 200 of the measured runs has
 * its row (`rows`, counted by the caller) and no run of either server had an error.
 */
export function auditCheck(what, rows, runs) {
  const sum = (key, list) => list.reduce((n, f) => n + f[key], 0);
  const ok = sum('ok', runs.subject);
  if (rows !== ok || sum('errors', runs.subject) > 0 || sum('errors', runs.baseline) > 0) process.exitCode = 1;
  return `audit rows of the measured runs' ${what}: ${rows}; 200 answers: ${ok}${rows === ok ? ' — one row per 200' : ' — MISMATCH'}`;
}

/** An unlimited account in the benchmark's database, made as the admin CLI makes one (needs the apps built). */
export async function benchAccount(url, options = { widevine: true, fairplay: true }) {
  const { AccountRepository, createPool, createPrismaClient } = await import(
    path.join(root, 'packages/database/dist/index.js')
  );
  const { AdminCommands } = await import(path.join(root, 'apps/token-gen/dist/admin/admin-commands.js'));
  const { DEV_AUTHENTICATOR_PEPPER } = await import(path.join(root, 'packages/nest-kit/dist/index.js'));
  const pool = createPool({ connectionString: url, poolSize: 1 });
  const prisma = createPrismaClient(pool);
  try {
    const admin = new AdminCommands(new AccountRepository(prisma), Buffer.from(DEV_AUTHENTICATOR_PEPPER, 'hex'));
    return await admin.createAccount({ name: 'bench', credits: null, ...options });
  } finally {
    await prisma.$disconnect();
    await pool.end();
  }
}

/** Apple's FPS/spc1 development vector (FPS Server SDK 4.1.0): the SPC, and the content key and IV of its FPS/ckc1. */
const fairPlayFixtures = path.join(root, 'apps/rights/test/fixtures/fairplay');
export const FAIRPLAY_VECTOR = Object.freeze({
  credentials: path.join(fairPlayFixtures, 'credentials.json'),
  privateKeyFile: path.join(fairPlayFixtures, 'dev_private_key.pem'),
  spc: readFileSync(path.join(fairPlayFixtures, 'fps-spc1.bin')),
  contentKey: Buffer.alloc(16, 0x3b),
  iv: Buffer.from('d5fbd6b82ed93e4ef98ae40931ee33b7', 'hex'),
});

/**
 * FairPlay tokens of `account` for the vector's key and IV, sealed here under the development TOKEN_KEYS as token-gen
 * would issue them (rentalDuration 0, no rightsType, an hour's validity); returns cookie → token.
 */
export async function fairPlayTokenSealer(account, limits = {}) {
  const core = await import(path.join(root, 'packages/core/dist/index.js'));
  const { DEV_TOKEN_KEYS } = await import(path.join(root, 'packages/nest-kit/dist/index.js'));
  const { randomBytes } = await import('node:crypto');
  const ring = core.parseKeyRing(DEV_TOKEN_KEYS);
  const now = Math.floor(Date.now() / 1000);
  return (cookie) =>
    core.sealToken(
      {
        tokenId: randomBytes(16),
        account,
        environment: 'test',
        drm: 'fp',
        issuedAt: now,
        expiresAt: now + 3600,
        cookie,
        kid: null,
        contentKey: FAIRPLAY_VECTOR.contentKey,
        iv: FAIRPLAY_VECTOR.iv,
        policy: { drm: 'fp', rentalDuration: 0, rightsType: null, extensions: [] },
        ...limits,
      },
      ring,
    );
}

/** BENCH_WORKERS=1,2: the WORKERS settings to compare side by side in one run (none when unset). */
export const benchWorkers = () =>
  (process.env.BENCH_WORKERS ?? '')
    .split(',')
    .filter(Boolean)
    .map((n) => Number(n));

/**
 * Each WORKERS setting in turn: `start(workers)` brings the server up (startServer), `measure(server)` loads it; prints
 * throughput and throughput per worker (each worker uses at most one core), a line per setting.
 */
export async function compareWorkers(title, settings, start, measure) {
  const lines = [];
  for (const workers of settings) {
    const server = await start(workers);
    try {
      const result = await measure(server);
      lines.push(
        `WORKERS=${workers}: ${result.perSecond.toFixed(0)}/s, ${(result.perSecond / workers).toFixed(0)}/s per ` +
          `worker (core), p50 ${result.p50} ms, p99 ${result.p99} ms, errors ${result.errors}`,
      );
    } finally {
      await server.stop();
    }
  }
  process.stdout.write(`\n${title} — WORKERS side by side (machine: ${availableParallelism()} cores)\n`);
  for (const line of lines) process.stdout.write(`  ${line}\n`);
}
