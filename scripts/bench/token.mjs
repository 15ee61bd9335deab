// npm run bench:token — tokens/s, p50/p99 and errors of GET /hms/wv/token over loopback, against a baseline
// (bare Fastify, one INSERT per request) in the same run; then checks one audit row per 200.
// BENCH_SECONDS (default 10) and BENCH_CONNECTIONS (default 64) bound the runs.
import path from 'node:path';
import { benchAccount, figures, query, report, root, scratchDatabase, startServer, warmAndMeasure } from './harness.mjs';

const seconds = Number(process.env.BENCH_SECONDS || 10);
const connections = Number(process.env.BENCH_CONNECTIONS || 64);
const poolSize = '10';

const db = await scratchDatabase('token');
try {
  const { authenticators } = await benchAccount(db.url);

  const tokenPath =
    `/hms/wv/token?customerAuthenticator=${encodeURIComponent(authenticators.test)}&kid=^bench&contentKey=000102030405060708090a0b0c0d0e0f` +
    '&securityLevel=1&hdcpOutputControl=0&cookie=bench&expirationTime=%2B3600';

  const baseline = await startServer(path.join(root, 'scripts/bench/baseline-insert.mjs'), { DATABASE_URL: db.url, PORT: '18091', DATABASE_POOL_SIZE: poolSize }, 18091);
  const baselineRun = figures(await warmAndMeasure({ url: 'http://127.0.0.1:18091/insert', connections }, seconds));
  await baseline.stop();

  const tokenGen = await startServer(
    path.join(root, 'apps/token-gen/dist/main.js'),
    { DATABASE_URL: db.url, TOKEN_GEN_PORT: '18090', TOKEN_GEN_HOST: '127.0.0.1', ENVIRONMENT: 'test', LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: poolSize },
    18090,
  );
  const successRows = async () =>
    Number((await query(db.url, "SELECT count(*) AS n FROM audit_events WHERE kind = 'issuance' AND result_code = 0 AND cookie = 'bench'"))[0].n);
  // The warm-up's timed stop drops answers in flight; its rows carry another cookie and are not counted.
  const tokenRun = figures(
    await warmAndMeasure({ url: `http://127.0.0.1:18090${tokenPath}`, connections }, seconds, `http://127.0.0.1:18090${tokenPath.replace('cookie=bench', 'cookie=warm-up')}`),
  );
  await tokenGen.stop();
  const rows = await successRows();

  report(
    `bench:token — ${seconds} s, ${connections} connections, pool ${poolSize}, loopback`,
    'req',
    { name: 'token-gen /hms/wv/token', figures: tokenRun },
    { name: 'baseline Fastify+INSERT', figures: baselineRun },
    [`audit rows of the measured run's tokens: ${rows}; 200 answers: ${tokenRun.ok}${rows === tokenRun.ok ? ' — one row per 200' : ' — MISMATCH'}`],
  );
  if (rows !== tokenRun.ok || tokenRun.errors > 0) process.exitCode = 1;
} finally {
  await db.drop();
}

