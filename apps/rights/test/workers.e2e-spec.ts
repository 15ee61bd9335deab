import { type ClusteredApp, freePort, plainRequest, startClusteredApp, until } from '@openplay/nest-kit/testing';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { tokenUrl, useStack } from './support/stack';
import { clientChallenge, useWidevineWorld } from './support/widevine';

/**
 * rights as production runs it with WORKERS=2: the built dist/main.js in its own process (a cluster primary and two
 * workers) on the stack's database, real HTTP, real Widevine challenges from the independent client. Tokens come from
 * the stack's token-gen; every worker opens them with the same key ring.
 */
const appDir = path.resolve(__dirname, '..');
const LICENSES = '/hms/wv/rights/';

describe('rights with WORKERS=2 (built app in a child process, real Postgres)', () => {
  const world = useWidevineWorld();
  const stack = useStack(() => world.current.env());
  let app: ClusteredApp;
  let base: string;

  beforeAll(async () => {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: appDir,
    });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = await startClusteredApp({
      script: path.join(appDir, 'dist/main.js'),
      cwd: appDir,
      env: {
        ...world.current.env(),
        DATABASE_URL: stack.rightsConfig.DATABASE_URL,
        ENVIRONMENT: 'test',
        WORKERS: '2',
        RIGHTS_HOST: '127.0.0.1',
        RIGHTS_PORT: String(port),
      },
      workers: 2,
    });
  }, 120_000);
  afterAll(() => app?.kill());

  const token = async () => {
    const created = await stack.admin.createAccount({ name: 'W', credits: null, widevine: true, fairplay: true });
    const contentKey = randomBytes(16).toString('hex');
    const kid = randomBytes(16).toString('hex');
    const query = new URLSearchParams({
      customerAuthenticator: created.authenticators.test,
      kid,
      contentKey,
      securityLevel: '1',
      hdcpOutputControl: '0',
    });
    const url = (await tokenUrl(stack, 'wv', query.toString())).replace(stack.rightsUrl, base);
    return { url, kid, contentKey, account: created.account.number };
  };
  const license = async (url: string) => {
    const client = clientChallenge(world.current.devices.L1);
    const answer = await plainRequest(url, { method: 'POST', body: client.challenge });
    return { status: answer.status, keys: answer.status === 200 ? client.parse(answer.body) : null };
  };

  it('delivers licenses from both workers, and /metrics sums them across the cluster', async () => {
    const t = await token();
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await license(t.url));
    expect(answers).toEqual(
      Array.from({ length: 20 }, () => ({ status: 200, keys: [{ kid: t.kid, key: t.contentKey }] })),
    );
    const workerPids = new Set(app.started().map((line) => line.workerPid));
    const pids = await until('access lines of both workers', () => {
      const seen = app.answeredBy(LICENSES);
      return seen.size === 2 ? seen : undefined;
    });
    expect([...pids].every((pid) => workerPids.has(pid))).toBe(true);
    for (let scrape = 0; scrape < 2; scrape++) {
      const metrics = (await plainRequest(`${base}/metrics`)).body.toString('utf8');
      expect(metrics).toContain('drm_deliveries_total{drm="wv"} 20');
    }
  });

  it('drains on SIGTERM: every license answered 200 has its audit row, nothing else is a 500, and it exits 0', async () => {
    const t = await token();
    const exited = once(app.child, 'exit');
    let firstAnswer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (firstAnswer = resolve));
    const requests = Array.from({ length: 60 }, () =>
      license(t.url).then((answer) => {
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
    expect(ok.length).toBeGreaterThan(0);
    expect(ok.every((answer) => answer.keys?.[0]?.key === t.contentKey)).toBe(true);
    const { rows } = await stack.pool.query(
      "SELECT count(*)::int AS n FROM audit_events WHERE account_number = $1 AND kind = 'redemption' AND result_code = 0",
      [t.account],
    );
    expect(rows[0].n).toBe(ok.length);
    expect(answers.filter((answer) => ![200, 503, 0].includes(answer.status))).toEqual([]);
    expect(app.lines.some((line) => line.msg === 'rights: every worker has stopped')).toBe(true);
  }, 60_000);
});
