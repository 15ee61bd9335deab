// bench:audit — the audit log at scale (docs/performance.md, docs/decisions/0020-audit-partitions.md). Fills a
// scratch database's partitioned audit_events with BENCH_AUDIT_ROWS rows (default 50,000,000) spread over
// BENCH_AUDIT_DAYS days (default 30) by generate_series, derives the hourly usage roll-up from them once, then times
// what the servers run: a cookie's records, an account's latest page, one account's and all accounts' usage, and a
// retention drop of one day. Baselines in the same run: the usage query against the scan of the raw rows it
// replaces, the partition drop against a DELETE of another day's rows. Targets: queries < 50 ms, drop < 1 s.
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { scratchDatabase } from './harness.mjs';

const require = createRequire(import.meta.url);
const pg = require('pg');

const ROWS = Number(process.env.BENCH_AUDIT_ROWS || 50_000_000);
const DAYS = Number(process.env.BENCH_AUDIT_DAYS || 30);
const ACCOUNTS = 1000;
const RUNS = Number(process.env.BENCH_AUDIT_RUNS || 25);
const DAY_MS = 86_400_000;

const started = performance.now();
const db = await scratchDatabase('audit');
const client = new pg.Client({ connectionString: db.url });
await client.connect();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

try {
  const today = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
  const first = new Date(today.getTime() - (DAYS - 1) * DAY_MS);
  await client.query('SELECT openplay_audit_ensure_partitions($1::date, $2::date)', [
    first.toISOString().slice(0, 10),
    new Date(today.getTime() + 7 * DAY_MS).toISOString().slice(0, 10),
  ]);
  // One day at a time (its own statement), so that each fills one partition and the progress shows.
  const perDay = Math.ceil(ROWS / DAYS);
  for (let day = 0; day < DAYS; day++) {
    const from = day * perDay + 1;
    const to = Math.min(ROWS, (day + 1) * perDay);
    if (from > to) break;
    await client.query(
      `INSERT INTO audit_events (at, kind, drm, environment, account_number, token_id, cookie, result_code, request_type, device)
       SELECT $1::timestamptz + ((g - $2) * (86400.0 / ($3 - $2 + 1))) * interval '1 second',
              CASE WHEN g % 4 = 0 THEN 'issuance'::"AuditKind" ELSE 'redemption'::"AuditKind" END,
              (ARRAY['wv','fp','ck']::"Drm"[])[1 + g % 3], 'production', 1 + g % ${ACCOUNTS},
              lpad(to_hex(g / 4), 32, '0'), 'c' || (g % 1000000),
              CASE WHEN g % 20 = 0 THEN -4010 ELSE 0 END,
              CASE WHEN g % 4 = 0 THEN NULL ELSE 'new' END,
              CASE WHEN g % 4 <> 0 AND g % 3 = 0 THEN '{"securityLevel":"L1","systemId":4445}'::jsonb END
       FROM generate_series($2::bigint, $3::bigint) AS g`,
      [new Date(first.getTime() + day * DAY_MS), from, to],
    );
    process.stdout.write(`\rgenerated ${to.toLocaleString('en')} of ${ROWS.toLocaleString('en')} rows (${elapsed()})`);
  }
  process.stdout.write('\n');
  // The roll-up the writers would have kept, derived once (the only scan of the raw rows in this script).
  await client.query(`
    INSERT INTO usage_hourly (account_number, hour, drm, metric, count)
    SELECT account_number, date_trunc('hour', at, 'UTC'), drm,
           CASE WHEN result_code <> 0 THEN 'refusal:' || result_code WHEN kind = 'issuance' THEN 'tokens' ELSE 'licenses' END,
           count(*)
    FROM audit_events GROUP BY 1, 2, 3, 4`);
  await client.query('ANALYZE audit_events');
  await client.query('ANALYZE usage_hourly');
  console.log(`usage roll-up derived, tables analyzed (${elapsed()})`);

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
  results.push(
    await median('usage, all accounts summed, 24 h', () =>
      client.query(
        'SELECT hour, drm, metric, sum(count) FROM usage_hourly WHERE hour >= $1 AND hour < $2 GROUP BY 1, 2, 3',
        [lastDay, today],
      ),
    ),
  );
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
  console.log(`  retention ratio (DELETE / DROP): ${(del.ms / drop.ms).toFixed(0)}×`);
  const slow = results.filter((r) => r.p95 !== undefined && r.ms >= 50);
  console.log(
    `  targets: queries < 50 ms ${slow.length ? `MISSED by ${slow.map((r) => r.label).join(', ')}` : 'met'}; drop < 1 s ${drop.ms < 1000 ? 'met' : 'MISSED'}`,
  );
  console.log(`  total ${elapsed()}`);
} finally {
  await client.end();
  await db.drop();
}
