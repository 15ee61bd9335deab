'use strict';
// An app run as production runs it (its built dist/main.js in a child process, WORKERS as given), for e2e tests of
// the cluster: its JSON log lines, parsed, tell which worker answered what.
const { spawn } = require('node:child_process');
const { request: httpRequest } = require('node:http');
const { createServer } = require('node:net');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback port nobody listens on (the app is started on it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
    probe.on('error', reject);
  });
}

/** Polls `condition` every 25 ms until it gives a truthy value; throws naming `what` after `ms`. */
async function until(what, condition, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = condition();
    if (value) return value;
    await sleep(25);
  }
  throw new Error(`not seen within ${ms} ms: ${what}`);
}

/**
 * One request on its own connection (no keep-alive), so that the cluster's primary hands each to the next worker.
 * Never rejects: a failed or timed-out request is status 0.
 */
function plainRequest(url, options = {}) {
  const { method = 'GET', body, timeoutMs = 5000, headers = {} } = options;
  return new Promise((resolve) => {
    const chunks = [];
    const request = httpRequest(url, { method, agent: false, timeout: timeoutMs, headers }, (response) => {
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks), headers: response.headers }),
      );
      response.on('error', () => resolve({ status: 0, body: Buffer.alloc(0), headers: {} }));
    })
      .on('timeout', function () {
        this.destroy();
      })
      .on('error', () => resolve({ status: 0, body: Buffer.alloc(0), headers: {} }));
    request.end(body);
  });
}

/**
 * Starts `script` with `env` (which must set the app's host, port and WORKERS) and waits until `workers` workers
 * have logged that they listen. The returned handle keeps every log line; `kill()` is safe to call twice.
 */
async function startClusteredApp({ script, cwd, env, workers, readyMs = 60_000 }) {
  const lines = [];
  const child = spawn(process.execPath, [script], {
    cwd,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const part of parts) if (part.startsWith('{')) lines.push(JSON.parse(part));
  });
  const started = () => lines.filter((line) => line.pid === child.pid && / worker \d+ started$/.test(line.msg));
  const listening = (worker, workerPid) =>
    lines.some((line) => line.msg.endsWith(`worker ${worker} listening`) && line.workerPid === workerPid);
  const app = {
    child,
    lines,
    started,
    listening,
    /** The pids whose access log lines name a URL containing `fragment`. */
    answeredBy: (fragment) =>
      new Set(lines.filter((line) => line.req && line.req.url.includes(fragment)).map((line) => line.pid)),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  try {
    await until(
      `${workers} workers listening`,
      () => started().filter((line) => listening(line.worker, line.workerPid)).length === workers,
      readyMs,
    );
  } catch (error) {
    app.kill();
    throw error;
  }
  return app;
}

module.exports = { freePort, until, plainRequest, startClusteredApp };
