// npm run bench:token — tokens/s, p50/p99 and errors of GET /hms/wv/token over loopback, against a baseline
// (bare Fastify, one INSERT per request) in the same run; then checks one audit row per 200.
// BENCH_SECONDS (default 10 per run), BENCH_CONNECTIONS (default 64) and BENCH_ROUNDS (default 5 alternating rounds of
// baseline and token-gen) bound the runs. BENCH_WORKERS=1,2 also runs token-gen with each WORKERS setting in turn.
import path from 'node:path';
import {
  alternate,
  auditCheck,
  benchAccount,
  benchRounds,
  benchWorkers,
  compareWorkers,
  figures,
  prime,
  query,
  report,
  root,
  scratchDatabase,
  startServer,
  warmAndMeasure,
} from './harness.mjs';

const seconds = Number(process.env.BENCH_SECONDS || 10);
const connections = Number(process.env.BENCH_CONNECTIONS || 64);
const poolSize = '10';

const db = await scratchDatabase('token');
const servers = [];
try {
  const { authenticators } = await benchAccount(db.url);

  const tokenPath =
    `/hms/wv/token?customerAuthenticator=${encodeURIComponent(authenticators.test)}&kid=^bench&contentKey=000102030405060708090a0b0c0d0e0f` +
    '&securityLevel=1&hdcpOutputControl=0&cookie=bench&expirationTime=%2B3600';

  // Both servers stay up (an idle one costs nothing), and the rounds alternate between them.
  const baseline = await startServer(path.join(root, 'scripts/bench/baseline-insert.mjs'), {
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: poolSize,
  });
  servers.push(baseline);
  const tokenGen = await startServer(
    path.join(root, 'apps/token-gen/dist/main.js'),
    {
      DATABASE_URL: db.url,
      TOKEN_GEN_HOST: '127.0.0.1',
      ENVIRONMENT: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_POOL_SIZE: poolSize,
    },
    { portVariable: 'TOKEN_GEN_PORT' },
  );
  servers.push(tokenGen);
  const insertUrl = `${baseline.origin}/insert`;
  const benchUrl = `${tokenGen.origin}${tokenPath}`;
  const warmUpUrl = `${tokenGen.origin}${tokenPath.replace('cookie=bench', 'cookie=warm-up')}`;
  // The warm-ups' timed stops drop answers in flight; their rows carry another cookie and are not counted.
  await prime({ url: insertUrl, connections }, { url: warmUpUrl, connections });
  const runs = await alternate(
    benchRounds(),
    async () => figures(await warmAndMeasure({ url: insertUrl, connections }, seconds, undefined, baseline)),
    async () => figures(await warmAndMeasure({ url: benchUrl, connections }, seconds, warmUpUrl, tokenGen)),
  );
  for (const server of servers.splice(0).reverse()) await server.stop();
  const [{ n: rows }] = await query(
    db.url,
    "SELECT count(*)::int AS n FROM audit_events WHERE kind = 'issuance' AND result_code = 0 AND cookie = 'bench'",
  );

  const workerSettings = benchWorkers();
  if (workerSettings.length > 0) {
    await compareWorkers(
      'bench:token /hms/wv/token',
      workerSettings,
      async (workers) =>
        startServer(
          path.join(root, 'apps/token-gen/dist/main.js'),
          {
            DATABASE_URL: db.url,
            TOKEN_GEN_HOST: '127.0.0.1',
            ENVIRONMENT: 'test',
            LOG_LEVEL: 'warn',
            DATABASE_POOL_SIZE: poolSize,
            WORKERS: String(workers),
          },
          { portVariable: 'TOKEN_GEN_PORT' },
        ),
      async (server) => {
        const url = `${server.origin}${tokenPath.replace('cookie=bench', 'cookie=workers')}`;
        return figures(await warmAndMeasure({ url, connections }, seconds));
      },
    );
  }

  report(
    `bench:token — ${seconds} s, ${connections} connections, pool ${poolSize}, loopback`,
    'req',
    { name: 'token-gen /hms/wv/token', figures: runs.subject },
    { name: 'baseline Fastify+INSERT', figures: runs.baseline },
    [auditCheck('tokens', rows, runs)],
  );
} finally {
  for (const server of servers.reverse()) await server.stop();
  await db.drop();
}
