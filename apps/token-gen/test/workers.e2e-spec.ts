import { AccountRepository, createPool, createPrismaClient } from '@openplay/database';
import { cloneTestDatabase, type TestDatabase } from '@openplay/database/testing';
import { type ClusteredApp, freePort, plainRequest, startClusteredApp, until } from '@openplay/nest-kit/testing';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { Pool } from 'pg';
import { AdminCommands } from '../src/admin/admin-commands';
import { validateTokenGenConfig } from '../src/config/token-gen.config';

/**
 * token-gen as production runs it with WORKERS=2: the built dist/main.js in its own process (a cluster primary and
 * two workers), real HTTP, real Postgres. The workers' pids come from the JSON log lines, which carry them already.
 */
const appDir = path.resolve(__dirname, '..');

async function request(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  const answer = await plainRequest(url, { timeoutMs });
  return { status: answer.status, body: answer.body.toString('utf8') };
}

describe('token-gen with WORKERS=2 (built app in a child process, real Postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let app: ClusteredApp;
  let base: string;
  let authenticator: string;

  const tokenUrl = (cookie: string) =>
    `${base}/hms/wv/token?customerAuthenticator=${encodeURIComponent(authenticator)}&kid=^w` +
    `&contentKey=000102030405060708090a0b0c0d0e0f&securityLevel=1&hdcpOutputControl=0&cookie=${cookie}`;
  const started = () => app.started();
  const listening = (worker: number, workerPid: number) => app.listening(worker, workerPid);
  const answeredBy = (cookie: string) => app.answeredBy(`cookie=${cookie}`);

  beforeAll(async () => {
    // The child runs what production runs: the compiled app, built from the sources under test.
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: appDir,
    });
    db = await cloneTestDatabase();
    const config = validateTokenGenConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent' });
    pool = createPool({ connectionString: db.url, poolSize: 2 });
    const prisma = createPrismaClient(pool);
    const admin = new AdminCommands(new AccountRepository(prisma), Buffer.from(config.AUTHENTICATOR_PEPPER, 'hex'));
    ({
      authenticators: { test: authenticator },
    } = await admin.createAccount({ name: 'W', credits: null, widevine: true, fairplay: true }));
    await prisma.$disconnect();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = await startClusteredApp({
      script: path.join(appDir, 'dist/main.js'),
      cwd: appDir,
      env: {
        DATABASE_URL: db.url,
        WORKERS: '2',
        TOKEN_GEN_HOST: '127.0.0.1',
        TOKEN_GEN_PORT: String(port),
        ACCOUNT_CACHE_TTL_MS: '60000',
      },
      workers: 2,
    });
  }, 120_000);

  afterAll(async () => {
    app?.kill();
    await pool?.end();
    await db?.drop();
  });

  it('answers from two worker processes, and /metrics counts every worker’s requests', async () => {
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await request(tokenUrl('spread')));
    expect(answers.map((answer) => answer.status)).toEqual(Array(30).fill(200));
    const workerPids = new Set(started().map((line) => line.workerPid));
    const pids = await until('access lines of both workers', () => {
      const seen = answeredBy('spread');
      return seen.size === 2 ? seen : undefined;
    });
    expect([...pids].every((pid) => workerPids.has(pid))).toBe(true);

    // Whichever worker answers, it renders the cluster's sum (prom-client's AggregatorRegistry), not its own share.
    for (let scrape = 0; scrape < 2; scrape++) {
      const metrics = await request(`${base}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.body).toContain('tokens_issued_total{drm="wv"} 30');
      expect(metrics.body).toContain('http_requests_total{route="/hms/wv/token",status="200",code="0"} 30');
    }
  });

  it('replaces a worker killed with SIGKILL while the other keeps answering', async () => {
    const victim = started()[0];
    const before = started().length;
    process.kill(victim.workerPid, 'SIGKILL');
    const statuses: number[] = [];
    const replacement = await (async () => {
      for (;;) {
        statuses.push((await request(tokenUrl('kill'), 1000)).status);
        const fresh = started().slice(before);
        const next = fresh.find((line) => line.worker === victim.worker && listening(line.worker, line.workerPid));
        if (next) return next;
        if (statuses.length > 2000) throw new Error('the killed worker was not replaced');
      }
    })();
    expect(replacement.workerPid).not.toBe(victim.workerPid);
    // Node's primary may hand a connection to the killed worker before it hears of its death: that client times out
    // (status 0) as one in flight on it would. Every other request is answered by the survivor, none with an error.
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status !== 200 && status !== 0)).toEqual([]);
    expect(statuses.filter((status) => status === 0).length).toBeLessThanOrEqual(2);
    const why = app.lines.find((line) => line.msg.includes(`worker ${victim.worker} killed by SIGKILL`));
    expect(why?.msg).toMatch(/restarting it in \d+ ms/);
    // Both the survivor and the replacement answer again.
    for (let i = 0; i < 20; i++) expect((await request(tokenUrl('after-kill'))).status).toBe(200);
    await until('access lines of the survivor and the replacement', () =>
      answeredBy('after-kill').has(replacement.workerPid) && answeredBy('after-kill').size === 2 ? true : undefined,
    );
  }, 60_000);

  it('drains on SIGTERM: requests in flight are answered, each 200 has its audit row, and it exits 0', async () => {
    const exited = once(app.child, 'exit');
    let firstAnswer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (firstAnswer = resolve));
    const requests = Array.from({ length: 200 }, () =>
      request(tokenUrl('drain')).then((answer) => {
        firstAnswer();
        return answer;
      }),
    );
    await answered;
    app.child.kill('SIGTERM');
    const answers = await Promise.all(requests);
    const [code, signal] = (await exited) as [number | null, string | null];
    expect({ code, signal }).toEqual({ code: 0, signal: null });

    const ok = answers.filter((answer) => answer.status === 200);
    const { rows } = await pool.query("SELECT token_id FROM audit_events WHERE cookie = 'drain' AND result_code = 0");
    expect(ok.length).toBeGreaterThan(0);
    expect(rows.length).toBe(ok.length);
    // Whatever was not served was refused cleanly (503 while closing, or no connection), never a 500.
    expect(answers.filter((answer) => ![200, 503, 0].includes(answer.status))).toEqual([]);
    expect(app.lines.some((line) => line.msg === 'token-gen: every worker has stopped')).toBe(true);
  }, 60_000);
});
