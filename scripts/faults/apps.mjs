// The built apps as child processes on free loopback ports, started as `npm start` starts them (the test environment's
// development credentials), every line they print kept for the log checks.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { withDevelopmentCredentials } from '../dev-env.mjs';
import { root } from '../bench/harness.mjs';
import { freePort, sleep } from './net.mjs';
import { DATABASE_SETTINGS, HTTP_HEADERS_TIMEOUT, HTTP_REQUEST_TIMEOUT } from './settings.mjs';

class App {
  constructor(name, file, port, env) {
    Object.assign(this, { name, file, port, env, child: null, lines: [] });
    this.base = `http://127.0.0.1:${port}`;
  }

  async start() {
    const child = spawn(process.execPath, [path.join(root, this.file)], {
      cwd: root,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (text) => {
        const lines = (rest + text).split('\n');
        rest = lines.pop();
        this.lines.push(...lines);
      });
      stream.on('end', () => rest && this.lines.push(rest));
    }
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${this.name} exited at start: ${this.lines.slice(-3).join(' | ')}`);
      try {
        if ((await fetch(`${this.base}/health`, { signal: AbortSignal.timeout(1000) })).ok) return this;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`${this.name} did not answer /health within 30 s`);
  }

  get pid() {
    return this.child?.pid ?? null;
  }

  alive() {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` and waits for the exit (SIGKILL after 10 s). */
  stop(signal = 'SIGTERM') {
    const child = this.child;
    if (!child || !this.alive()) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill(signal);
    });
  }
}

/** token-gen and rights on free ports against `databaseUrl`, each started and answering /health. */
export async function startApps(databaseUrl) {
  const [tokenGenPort, rightsPort] = [await freePort(), await freePort()];
  const adminKey = randomBytes(32).toString('hex');
  const env = withDevelopmentCredentials({
    ...process.env,
    ENVIRONMENT: 'test',
    DATABASE_URL: databaseUrl,
    TOKEN_GEN_PORT: String(tokenGenPort),
    TOKEN_GEN_HOST: '127.0.0.1',
    RIGHTS_PORT: String(rightsPort),
    RIGHTS_HOST: '127.0.0.1',
    RIGHTS_PUBLIC_URL: `http://127.0.0.1:${rightsPort}`,
    ADMIN_API_KEY: adminKey,
    LOG_LEVEL: 'info',
    [HTTP_REQUEST_TIMEOUT.name]: String(HTTP_REQUEST_TIMEOUT.ms),
    [HTTP_HEADERS_TIMEOUT.name]: String(HTTP_HEADERS_TIMEOUT.ms),
    ...DATABASE_SETTINGS,
  });
  const tokenGen = new App('token-gen', 'apps/token-gen/dist/main.js', tokenGenPort, env);
  const rights = new App('rights', 'apps/rights/dist/main.js', rightsPort, env);
  const stopAll = () => {
    for (const app of [tokenGen, rights]) if (app.alive()) app.child.kill('SIGKILL');
  };
  process.on('exit', stopAll);
  await Promise.all([tokenGen.start(), rights.start()]);
  return {
    tokenGen,
    rights,
    adminKey,
    stop: async () => {
      await Promise.all([tokenGen.stop(), rights.stop()]);
      process.removeListener('exit', stopAll);
    },
  };
}
