// bench:ledger — the database's CPU per redemption in the redemption ledger's batch statement (docs/performance.md).
// No HTTP, no server: RedemptionLedger (packages/database dist) over a pg pool on a scratch database, fed batches of
// BENCH_LEDGER_BATCHES sizes (default 1,4,16: the group commit's batch under load is whatever arrived during the
// previous flush, a few rows on the development machine). Baseline in the same run: the same JSON rows written by one
// plain INSERT into audit_events (what any durable audit log pays: the rows, their indexes, the commit). Rounds
// alternate; per batch size the median of the rounds' database CPU per row and the ratio ledger/baseline.
// BENCH_LEDGER_USE_LIMIT / BENCH_LEDGER_USE_REQUESTS / BENCH_LEDGER_MAX_STREAMS / BENCH_LEDGER_ACCOUNTS: below.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { cpuSecondsOf, root, scratchDatabase } from './harness.mjs';

const require = createRequire(import.meta.url);
const pg = require('pg');
const { RedemptionLedger } = require(path.join(root, 'packages/database/dist/index.js'));

const SIZES = (process.env.BENCH_LEDGER_BATCHES || '1,4,16').split(',').map(Number);
const ROWS = Number(process.env.BENCH_LEDGER_ROWS || 4000);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
// A use limit on every redemption (its own request each): the use-limited batch function instead of the plain one.
const USE_LIMIT = process.env.BENCH_LEDGER_USE_LIMIT ? Number(process.env.BENCH_LEDGER_USE_LIMIT) : null;
// With a use limit: every redemption of one token, its request one of this many in rotation (as `bench:rights:wv` with
// BENCH_USE_LIMIT: that many uses, then retries). Unset: a new request each, over 5000 tokens.
const USE_REQUESTS = process.env.BENCH_LEDGER_USE_REQUESTS ? Number(process.env.BENCH_LEDGER_USE_REQUESTS) : null;
const requestHashes = Array.from({ length: USE_REQUESTS ?? 0 }, () => randomBytes(32));
// A stream limit on every redemption (`maxStreams=N&streamLimitMode=stopOldest`, one user): each is a new stream that
// stops the oldest, so the scope's rows turn over as fast as the batches go (the stream- and device-limited function).
const MAX_STREAMS = process.env.BENCH_LEDGER_MAX_STREAMS ? Number(process.env.BENCH_LEDGER_MAX_STREAMS) : null;
// Other accounts in the table (none by default): what a batch's account lock reads grows with them if it scans.
const OTHER_ACCOUNTS = Number(process.env.BENCH_LEDGER_ACCOUNTS || 0);

const BASELINE_INSERT = `INSERT INTO audit_events
  (kind, drm, environment, account_number, token_id, kid, cookie, result_code, message, client_address, user_agent,
   request_type, device)
SELECT kind, drm, environment, "accountNumber", "tokenId", kid, cookie, "resultCode", message, "clientAddress",
       "userAgent", "requestType", device
FROM json_to_recordset($1::json) AS r(kind "AuditKind", drm "Drm", environment "Environment", "accountNumber" int,
     "tokenId" text, kid text, cookie text, "resultCode" int, message text, "clientAddress" text, "userAgent" text,
     "requestType" text, device jsonb)`;

// A Widevine license's row as the rights server writes it.
let serial = 0;
const row = () => {
  const i = serial++;
  return {
    kind: 'redemption',
    drm: 'wv',
    environment: 'test',
    accountNumber: 1,
    tokenId: USE_REQUESTS === null ? (i % 5000).toString(16).padStart(32, '0') : 'ab'.repeat(16),
    kid: 'b366360da82e9c6e0b0984002a362cf2',
    cookie: `user${i % 997}`,
    resultCode: 0,
    message: null,
    clientAddress: '127.0.0.1',
    userAgent: 'bench',
    requestType: 'new',
    device: {
      systemId: 4445,
      securityLevel: 'L1',
      known: true,
      privacyMode: false,
      serialNumber: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      company: 'Google',
      model: 'bench',
    },
  };
};

/**
 * CPU seconds used so far by the backends of the scratch database (not the whole server: other work on this shared
 * machine uses other databases of the same server). A backend does its own commit's WAL flush, so the commit is in.
 */
async function backendCpu() {
  const { rows } = await pool.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
  let seconds = 0;
  for (const { pid } of rows) {
    const used = cpuSecondsOf(pid);
    if (used === null)
      throw new Error(`no CPU time for backend ${pid}: /proc is needed, with the database on this machine`);
    seconds += used;
  }
  return seconds;
}

/** Database CPU µs per row for `ROWS` rows written `size` at a time, one batch after the other. */
async function measure(size, writeBatch) {
  const batches = Math.ceil(ROWS / size);
  for (let i = 0; i < 20; i++) await writeBatch(size); // plans cached, pages warm
  const before = await backendCpu();
  const started = performance.now();
  for (let i = 0; i < batches; i++) await writeBatch(size);
  const seconds = (await backendCpu()) - before;
  return { cpu: (seconds * 1e6) / (batches * size), wall: ((performance.now() - started) * 1000) / (batches * size) };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const db = await scratchDatabase('ledger');
// Connections kept for the whole run: a backend that exits takes its CPU time out of the sums.
const pool = new pg.Pool({ connectionString: db.url, max: 2, idleTimeoutMillis: 0 });
try {
  await pool.query("INSERT INTO accounts (number, name, credits, updated_at) VALUES (1, 'bench', 1000000000, now())");
  if (OTHER_ACCOUNTS > 0) {
    await pool.query(
      "INSERT INTO accounts (number, name, credits, updated_at) SELECT g, 'other ' || g, NULL, now() " +
        'FROM generate_series(2, $1::int + 1) AS g',
      [OTHER_ACCOUNTS],
    );
    await pool.query('ANALYZE accounts');
  }
  const ledger = new RedemptionLedger(pool);
  const viaLedger = async (size) => {
    const use = () =>
      USE_LIMIT === null
        ? undefined
        : {
            limit: USE_LIMIT,
            requestHash: USE_REQUESTS === null ? randomBytes(32) : requestHashes[serial % USE_REQUESTS],
            tokenExpiresAt: Math.floor(Date.now() / 1000) + 3600,
          };
    const stream = () =>
      MAX_STREAMS === null
        ? undefined
        : {
            scope: 'u:1:bench',
            sessionId: randomBytes(16),
            maxStreams: MAX_STREAMS,
            stopOldest: true,
            // Longer than any run: streams end by being stopped, never by going quiet.
            liveSeconds: 3600,
          };
    const verdicts = await Promise.all(Array.from({ length: size }, () => ledger.redeem(1, row(), use(), stream())));
    if (verdicts.some((verdict) => verdict !== 'granted' && verdict !== 'retry'))
      throw new Error(`a redemption was refused: ${verdicts}`);
  };
  const plainInsert = (size) => pool.query(BASELINE_INSERT, [JSON.stringify(Array.from({ length: size }, row))]);

  console.log(
    `bench:ledger: ${ROWS} rows per run, ${ROUNDS} alternating rounds, CPU of the scratch database's backends` +
      (USE_LIMIT === null ? '' : `, every redemption use-limited (${USE_LIMIT})`) +
      (USE_LIMIT === null || USE_REQUESTS === null ? '' : `, one token, ${USE_REQUESTS} requests in rotation`) +
      (MAX_STREAMS === null
        ? ''
        : `, every redemption a new stream of one user at maxStreams ${MAX_STREAMS} (stopOldest)`) +
      (OTHER_ACCOUNTS === 0 ? '' : `, ${OTHER_ACCOUNTS} other accounts`),
  );
  for (const size of SIZES) {
    const subject = [];
    const baseline = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ['subject', 'baseline'] : ['baseline', 'subject'];
      for (const which of order) {
        if (which === 'subject') subject.push(await measure(size, viaLedger));
        else baseline.push(await measure(size, plainInsert));
      }
    }
    const s = median(subject.map((r) => r.cpu));
    const b = median(baseline.map((r) => r.cpu));
    const ratios = subject.map((r, i) => r.cpu / baseline[i].cpu);
    console.log(
      `batch ${String(size).padStart(3)}: ledger ${s.toFixed(0)} µs/row (wall ${median(subject.map((r) => r.wall)).toFixed(0)})   ` +
        `plain INSERT ${b.toFixed(0)} µs/row (wall ${median(baseline.map((r) => r.wall)).toFixed(0)})   ` +
        `ledger/INSERT ${median(ratios).toFixed(2)} (rounds ${ratios.map((x) => x.toFixed(2)).join(', ')})`,
    );
  }
} finally {
  await pool.end();
  await db.drop();
}
