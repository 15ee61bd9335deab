// The supervisor of `npm start` (scripts/supervise.mjs) against two tiny HTTP servers: a SIGKILLed app comes back
// while the other keeps answering; an app that keeps crashing is given up on, loudly; stop() ends everything.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { restartDelay, supervise } from '../supervise.mjs';

const server = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tiny-server.mjs');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const supervisors = [];
after(() => Promise.all(supervisors.map((s) => s.stop())));

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

function app(name, env) {
  return {
    name,
    command: process.execPath,
    args: [server],
    options: { env: { ...process.env, ...env }, stdio: 'ignore' },
  };
}

/** The pid the server on `port` answers with, or null when nothing answers within 500 ms. */
async function pidOn(port) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) });
    return Number(await response.text());
  } catch {
    return null;
  }
}

async function until(what, condition, ms = 5000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await condition();
    if (value) return value;
    await sleep(25);
  }
  assert.fail(`${what} within ${ms} ms`);
}

test('restart delays double from the first and stop at the maximum', () => {
  const settings = { initialDelayMs: 500, maxDelayMs: 30_000 };
  assert.deepEqual(
    [1, 2, 3, 4, 7, 8, 20].map((n) => restartDelay(n, settings)),
    [500, 1000, 2000, 4000, 30_000, 30_000, 30_000],
  );
});

test('a SIGKILLed app is restarted while the other keeps answering', async () => {
  const [aPort, bPort] = [await freePort(), await freePort()];
  const lines = [];
  const supervisor = supervise([app('a', { PORT: String(aPort) }), app('b', { PORT: String(bPort) })], {
    log: (line) => lines.push(line),
    initialDelayMs: 300,
  });
  supervisors.push(supervisor);
  const firstA = await until('a answers', () => pidOn(aPort));
  const b = await until('b answers', () => pidOn(bPort));

  process.kill(firstA, 'SIGKILL');
  // While a is down and coming back, b answers every time, from the same process.
  const deadline = Date.now() + 5000;
  let secondA = null;
  while (Date.now() < deadline && !secondA) {
    assert.equal(await pidOn(bPort), b, 'b stopped answering while a was down');
    const now = await pidOn(aPort);
    if (now && now !== firstA) secondA = now;
    await sleep(25);
  }
  assert.ok(secondA, 'a was not restarted within 5 s');
  assert.equal(supervisor.restarts('a'), 1);
  assert.equal(supervisor.restarts('b'), 0);
  assert.match(lines.join('\n'), /a killed by SIGKILL after [\d.]+ s; restarting in 300 ms/);

  await supervisor.stop();
  assert.equal(await pidOn(aPort), null, 'a still answers after stop()');
  assert.equal(await pidOn(bPort), null, 'b still answers after stop()');
});

test('an app that keeps crashing is given up on, loudly, with growing delays; the other keeps answering', async () => {
  const port = await freePort();
  const lines = [];
  let gaveUp = null;
  const started = Date.now();
  const supervisor = supervise([app('crashy', { CRASH: '1' }), app('steady', { PORT: String(port) })], {
    log: (line) => lines.push(line),
    onGiveUp: (name, reason) => (gaveUp = { name, reason }),
    initialDelayMs: 20,
    maxFastCrashes: 4,
  });
  supervisors.push(supervisor);
  const pid = await until('steady answers', () => pidOn(port));
  await until('the supervisor gives up', () => gaveUp, 10_000);
  assert.equal(gaveUp.name, 'crashy');
  assert.match(gaveUp.reason, /crashed 5 times in a row/);
  assert.equal(supervisor.restarts('crashy'), 4);
  // 20 + 40 + 80 + 160 ms of back-off at least.
  assert.ok(Date.now() - started >= 300, 'restarts did not back off');
  assert.deepEqual(
    lines.filter((l) => l.includes('restarting in')).map((l) => /restarting in (\d+) ms/.exec(l)[1]),
    ['20', '40', '80', '160'],
  );
  assert.match(lines.at(-1), /^!!! GIVING UP on crashy: exited with 1; it crashed 5 times in a row/);
  assert.ok(supervisor.gaveUp('crashy'));
  await sleep(100);
  assert.equal(supervisor.restarts('crashy'), 4, 'restarted after giving up');
  assert.equal(await pidOn(port), pid, 'the steady app stopped answering');
  await supervisor.stop();
});

test('an app that ran healthy for a while starts its back-off again', async () => {
  const port = await freePort();
  const lines = [];
  const supervisor = supervise([app('a', { PORT: String(port) })], {
    log: (line) => lines.push(line),
    initialDelayMs: 50,
    healthyAfterMs: 3000,
  });
  supervisors.push(supervisor);
  // Two fast crashes: 50 then 100 ms; then one after running healthy: 50 ms again. "Fast" counts from the spawn,
  // and a node process on a loaded machine can take most of a second to answer: the healthy mark is well above that.
  for (const wait of [0, 0, 3500]) {
    const pid = await until('a answers', () => pidOn(port));
    await sleep(wait);
    process.kill(pid, 'SIGKILL');
    await until('a is restarted', async () => (await pidOn(port)) && (await pidOn(port)) !== pid);
  }
  assert.deepEqual(
    lines.map((l) => /restarting in (\d+) ms \(crash (\d+)/.exec(l).slice(1).join('/')),
    ['50/1', '100/2', '50/1'],
  );
  await supervisor.stop();
});

test('an app exiting on a configuration error (status 2) is not restarted', async () => {
  let gaveUp = null;
  const supervisor = supervise(
    [{ name: 'bad', command: process.execPath, args: ['-e', 'process.exit(2)'], options: { stdio: 'ignore' } }],
    {
      onGiveUp: (name, reason) => (gaveUp = reason),
    },
  );
  supervisors.push(supervisor);
  await until('the supervisor gives up', () => gaveUp);
  assert.match(gaveUp, /configuration error/);
  assert.equal(supervisor.restarts('bad'), 0);
});

test('stop() during a back-off cancels the restart', async () => {
  const port = await freePort();
  const supervisor = supervise([app('a', { PORT: String(port) })], { initialDelayMs: 300 });
  const pid = await until('a answers', () => pidOn(port));
  process.kill(pid, 'SIGKILL');
  await sleep(50);
  await supervisor.stop();
  await sleep(400);
  assert.equal(await pidOn(port), null, 'a was restarted after stop()');
  assert.equal(supervisor.restarts('a'), 0);
});
