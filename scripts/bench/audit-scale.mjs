// bench:audit — the audit log at scale (docs/performance.md, docs/decisions/0020-audit-partitions.md). Fills a
// scratch database's partitioned audit_events with BENCH_AUDIT_ROWS rows (default 50,000,000) spread over
// BENCH_AUDIT_DAYS days (default 30) by generate_series, one day's partition at a time on BENCH_AUDIT_JOBS (2)
// connections, indexes built after the rows; derives each day's hourly usage roll-up from its rows, then times what
// the servers run: a cookie's records, an account's latest page, one account's and all accounts' usage, and a
// retention drop of one day. Baselines in the same run: the usage query against the scan of the raw rows it
// replaces, the all-accounts sum over the roll-up's former hour index, the partition drop against a DELETE of another
// day's rows. Targets: queries < 50 ms, drop < 1 s.
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { scratchDatabase } from './harness.mjs';

const require = createRequire(import.meta.url);
const pg = require('pg');

const ROWS = Number(process.env.BENCH_AUDIT_ROWS || 50_000_000);
const DAYS = Number(process.env.BENCH_AUDIT_DAYS || 30);
const ACCOUNTS = 1000;
const RUNS = Number(process.env.BENCH_AUDIT_RUNS || 25);
const JOBS = Number(process.env.BENCH_AUDIT_JOBS || 2);
const MAINTENANCE_MEM = process.env.BENCH_AUDIT_MAINTENANCE_MEM || '256MB';
const DAY_MS = 86_400_000;

const started = performance.now();
const db = await scratchDatabase('audit');
const client = new pg.Client({ connectionString: db.url });
await client.connect();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

try {
  const today = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
  const first = new Date(today.getTime() - (DAYS - 1) * DAY_MS);
  const isoDay = (date) => date.toISOString().slice(0, 10);
  // Set-based, one day at a time, as openplay_audit_ensure_partitions makes a day: the day's table is created apart
  // with a CHECK of its range and filled by one INSERT … SELECT generate_series while it has no index; its four
  // indexes are then built in one sort each (not 4 index insertions per row), and ATTACH adopts them and, thanks to
  // the CHECK, does not scan the table again. The day's roll-up is derived from it while its pages are still cached.
  // BENCH_AUDIT_JOBS connections make days side by side (ATTACH is quick, so they hardly wait on each other).
  const perDay = Math.ceil(ROWS / DAYS);
  const days = Array.from({ length: DAYS }, (_, day) => day).filter((day) => day * perDay < ROWS);
  let done = 0;
  const makeDay = async (job, day) => {
    const from = day * perDay + 1;
    const to = Math.min(ROWS, (day + 1) * perDay);
    const low = new Date(first.getTime() + day * DAY_MS);
    const high = new Date(low.getTime() + DAY_MS);
    const name = `audit_events_${isoDay(low).replaceAll('-', '')}`;
    // The migration made today's (empty) partition already.
    await job.query(`DROP TABLE IF EXISTS ${name}`);
    await job.query(`CREATE TABLE ${name} (LIKE audit_events INCLUDING DEFAULTS)`);
    await job.query(
      `ALTER TABLE ${name} ADD CONSTRAINT ${name}_range CHECK (at >= $$${low.toISOString()}$$ AND at < $$${high.toISOString()}$$)`,
    );
    // Times spread evenly over the day (float arithmetic: a numeric interval per row cost more than the rest).
    await job.query(
      `INSERT INTO ${name} (id, at, kind, drm, environment, account_number, token_id, cookie, result_code, request_type, device)
       SELECT g, to_timestamp($1::float8 + (g - $2) * (86400.0 / ($3 - $2 + 1))::float8),
              CASE WHEN g % 4 = 0 THEN 'issuance'::"AuditKind" ELSE 'redemption'::"AuditKind" END,
              (ARRAY['wv','fp','ck']::"Drm"[])[1 + g % 3], 'production', 1 + g % ${ACCOUNTS},
              lpad(to_hex(g / 4), 32, '0'), 'c' || (g % 1000000),
              CASE WHEN g % 20 = 0 THEN -4010 ELSE 0 END,
              CASE WHEN g % 4 = 0 THEN NULL ELSE 'new' END,
              CASE WHEN g % 4 <> 0 AND g % 3 = 0 THEN '{"securityLevel":"L1","systemId":4445}'::jsonb END
       FROM generate_series($2::bigint, $3::bigint) AS g`,
      [low.getTime() / 1000, from, to],
    );
    // The roll-up the writers would have kept for that day.
    await job.query(`
      INSERT INTO usage_hourly (account_number, hour, drm, metric, count)
      SELECT account_number, date_trunc('hour', at, 'UTC'), drm,
             CASE WHEN result_code <> 0 THEN 'refusal:' || result_code WHEN kind = 'issuance' THEN 'tokens' ELSE 'licenses' END,
             count(*)
      FROM ${name} GROUP BY 1, 2, 3, 4`);
    // The parent's key and indexes (prisma/schema.prisma), which ATTACH finds and adopts.
    await job.query(`ALTER TABLE ${name} ADD PRIMARY KEY (id, at)`);
    for (const columns of ['cookie', 'token_id', 'account_number, at'])
      await job.query(`CREATE INDEX ON ${name} (${columns})`);
    await job.query(
      `ALTER TABLE audit_events ATTACH PARTITION ${name} FOR VALUES FROM ($$${low.toISOString()}$$) TO ($$${high.toISOString()}$$)`,
    );
    await job.query(`ALTER TABLE ${name} DROP CONSTRAINT ${name}_range`);
    done += to - from + 1;
    process.stdout.write(
      `\rgenerated ${done.toLocaleString('en')} of ${ROWS.toLocaleString('en')} rows (${elapsed()})`,
    );
  };
  const generating = performance.now();
  const jobs = await Promise.all(
    Array.from({ length: Math.max(1, Math.min(JOBS, days.length)) }, async () => {
      const job = new pg.Client({ connectionString: db.url });
      await job.connect();
      // Index builds sort in memory rather than in temporary files.
      await job.query(`SET maintenance_work_mem = '${MAINTENANCE_MEM}'`);
      return job;
    }),
  );
  try {
    await Promise.all(
      jobs.map(async (job) => {
        for (let day = days.shift(); day !== undefined; day = days.shift()) await makeDay(job, day);
      }),
    );
  } finally {
    await Promise.all(jobs.map((job) => job.end()));
  }
  process.stdout.write('\n');
  const generated = (performance.now() - generating) / 1000;
  await client.query(`SELECT setval('audit_events_id_seq', $1)`, [ROWS]);
  // Today and the week ahead, as the servers keep them (the days above exist already and are skipped).
  await client.query('SELECT openplay_audit_ensure_partitions($1::date, $2::date)', [
    isoDay(first),
    isoDay(new Date(today.getTime() + 7 * DAY_MS)),
  ]);
  await client.query('ANALYZE audit_events');
  // VACUUM marks the counters' pages all-visible (what autovacuum does in service: see the migration
  // usage_hourly_covering_index); without it the all-accounts sum's index-only scan visits every heap page.
  await client.query('VACUUM (ANALYZE) usage_hourly');
  console.log(
    `generated in ${generated.toFixed(0)} s (${Math.round(ROWS / generated).toLocaleString('en')} rows/s), roll-up derived, tables analyzed (${elapsed()})`,
  );

  const account = () => 1 + Math.floor(Math.random() * ACCOUNTS);
  const lastDay = new Date(today.getTime() - DAY_MS);
  const median = async (label, fn) => {
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await fn(i);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return { label, ms: times[Math.floor(times.length / 2)], p95: times[Math.floor(times.length * 0.95)] };
  };
  const results = [];
  // AuditQuery.byCookie and .latest, as Prisma sends them (newest first, bounded).
  results.push(
    await median('cookie lookup (account + cookie, newest 1000)', () =>
      client.query(
        'SELECT * FROM audit_events WHERE account_number = $1 AND cookie = $2 ORDER BY at DESC, id DESC LIMIT 1000',
        [account(), `c${Math.floor(Math.random() * 1_000_000)}`],
      ),
    ),
  );
  results.push(
    await median('account page (latest 32, no range)', () =>
      client.query('SELECT * FROM audit_events WHERE account_number = $1 ORDER BY at DESC, id DESC LIMIT 32', [
        account(),
      ]),
    ),
  );
  results.push(
    await median('account page (start 1000, length 32, one day)', () =>
      client.query(
        'SELECT * FROM audit_events WHERE account_number = $1 AND at >= $2 AND at < $3 ORDER BY at DESC, id DESC OFFSET 1000 LIMIT 32',
        [account(), lastDay, today],
      ),
    ),
  );
  results.push(
    await median('token id lookup', () =>
      client.query('SELECT * FROM audit_events WHERE token_id = $1 ORDER BY at DESC, id DESC LIMIT 100', [
        Math.floor(Math.random() * (ROWS / 4))
          .toString(16)
          .padStart(32, '0'),
      ]),
    ),
  );
  const usageOne = await median(`usage, one account, ${DAYS} days`, () =>
    client.query(
      'SELECT hour, drm, metric, count FROM usage_hourly WHERE account_number = $1 AND hour >= $2 AND hour < $3',
      [account(), first, today],
    ),
  );
  results.push(usageOne);
  const sumText =
    'SELECT hour, drm, metric, sum(count) FROM usage_hourly WHERE hour >= $1 AND hour < $2 GROUP BY 1, 2, 3';
  const usageAll = await median('usage, all accounts summed, 24 h', () => client.query(sumText, [lastDay, today]));
  results.push(usageAll);
  // The plan, to see that the index-only scan visits no heap page (Heap Fetches) once vacuum has run.
  const { rows: plan } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${sumText}`, [lastDay, today]);
  const planLines = plan
    .map((row) => row['QUERY PLAN'])
    .filter((line) => /Scan|Fetches|Buffers|Aggregate|Execution/.test(line));
  // Baseline: the same sum over the index the roll-up had before (hour only), in a transaction rolled back.
  await client.query('BEGIN');
  await client.query('DROP INDEX usage_hourly_hour_drm_metric_count_idx');
  await client.query('CREATE INDEX usage_hourly_hour_idx ON usage_hourly (hour)');
  await client.query('ANALYZE usage_hourly');
  const usageAllBefore = await median('baseline: the same sum over the former hour index', () =>
    client.query(sumText, [lastDay, today]),
  );
  await client.query('ROLLBACK');
  results.push(usageAllBefore);
  const scanRuns = Math.min(RUNS, 5);
  const times = [];
  for (let i = 0; i < scanRuns; i++) {
    const t = performance.now();
    await client.query(
      `SELECT date_trunc('hour', at, 'UTC'), drm, result_code, kind, count(*) FROM audit_events
       WHERE account_number = $1 AND at >= $2 AND at < $3 GROUP BY 1, 2, 3, 4`,
      [account(), first, today],
    );
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const usageScan = {
    label: `baseline: the same usage from the raw rows (${DAYS} days)`,
    ms: times[Math.floor(scanRuns / 2)],
  };
  results.push(usageScan);

  // Retention: the oldest day as one DROP (the function the servers call), against a DELETE of the next day's rows.
  const oldest = first.toISOString().slice(0, 10);
  const second = new Date(first.getTime() + DAY_MS);
  const { rows: dayRows } = await client.query(
    `SELECT count(*)::int AS n FROM audit_events WHERE at >= $1 AND at < $2`,
    [second, new Date(second.getTime() + DAY_MS)],
  );
  let t = performance.now();
  await client.query('SELECT openplay_audit_drop_partitions($1::date)', [second.toISOString().slice(0, 10)]);
  const drop = {
    label: `retention: drop one day (${oldest}, ~${perDay.toLocaleString('en')} rows)`,
    ms: performance.now() - t,
  };
  t = performance.now();
  await client.query('DELETE FROM audit_events WHERE at >= $1 AND at < $2', [
    second,
    new Date(second.getTime() + DAY_MS),
  ]);
  const del = {
    label: `baseline: DELETE one day's ${dayRows[0].n.toLocaleString('en')} rows`,
    ms: performance.now() - t,
  };
  results.push(drop, del);

  console.log(
    `\nbench:audit — ${ROWS.toLocaleString('en')} rows over ${DAYS} daily partitions, ${ACCOUNTS} accounts; median of ${RUNS} runs (p95)`,
  );
  for (const r of results)
    console.log(
      `  ${r.label.padEnd(60)} ${r.ms.toFixed(2).padStart(10)} ms${r.p95 !== undefined ? ` (p95 ${r.p95.toFixed(2)})` : ''}`,
    );
  console.log(`  usage ratio (raw scan / roll-up): ${(usageScan.ms / usageOne.ms).toFixed(0)}×`);
  console.log(
    `  all-accounts sum ratio (former hour index / covering index): ${(usageAllBefore.ms / usageAll.ms).toFixed(1)}×`,
  );
  console.log(`  all-accounts sum plan:\n${planLines.map((line) => `    ${line}`).join('\n')}`);
  console.log(`  retention ratio (DELETE / DROP): ${(del.ms / drop.ms).toFixed(0)}×`);
  const slow = results.filter((r) => r.p95 !== undefined && !r.label.startsWith('baseline') && r.ms >= 50);
  console.log(
    `  targets: queries < 50 ms ${slow.length ? `MISSED by ${slow.map((r) => r.label).join(', ')}` : 'met'}; drop < 1 s ${drop.ms < 1000 ? 'met' : 'MISSED'}`,
  );
  console.log(`  total ${elapsed()}`);
} finally {
  await client.end();
  await db.drop();
}
