#!/usr/bin/env node
// npm run test:faults — the fault suite: the built apps against a PostgreSQL cluster of the suite's own, on loopback,
// through database restarts, outages and freezes, a kill -9 of rights, slow clients and crafted input. One line per
// check, then `N passed, M failed`; exit 1 on a failure. Needs the apps built (npx turbo run build) and a PostgreSQL
// server installed under /usr/lib/postgresql (run as the `postgres` user when the suite runs as root).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { root } from '../bench/harness.mjs';
import { startApps } from './apps.mjs';
import { startCluster } from './cluster.mjs';
import { createContext } from './context.mjs';
import { clip } from './net.mjs';
import { craftedInput } from './scenarios/crafted-input.mjs';
import { down, frozen, restartUnderLoad } from './scenarios/database.mjs';
import { killRights } from './scenarios/kill-rights.mjs';
import { logsCheck } from './scenarios/logs.mjs';
import { slowClients } from './scenarios/slow-clients.mjs';
import { ACCOUNT_CREDITS } from './settings.mjs';

/** The whole suite's bound: past it, the suite reports the scenario it was in and stops. */
const SUITE_LIMIT_MS = 5 * 60_000;

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) passed += 1;
  else failed += 1;
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}\n`);
}
const finish = (code) => {
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exit(code ?? (failed > 0 ? 1 : 0));
};

let current = 'setting up';
const watchdog = setTimeout(() => {
  check(`suite: finished within ${SUITE_LIMIT_MS / 60_000} minutes`, false, `still in "${current}"`);
  finish(1);
}, SUITE_LIMIT_MS);
watchdog.unref();
// Ctrl-C: the exit handlers of the cluster and the apps clean up.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

for (const file of ['apps/token-gen/dist/main.js', 'apps/rights/dist/main.js']) {
  if (!existsSync(path.join(root, file))) {
    process.stderr.write(`test:faults: ${file} is missing; build first: npx turbo run build\n`);
    process.exit(2);
  }
}

const started = Date.now();
const cluster = await startCluster();
let apps = null;
try {
  execFileSync(process.execPath, [path.join(root, 'packages/database/scripts/migrate.mjs'), cluster.url], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  apps = await startApps(cluster.url);
  const created = await fetch(`${apps.tokenGen.base}/admin/accounts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apps.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'fault suite', credits: ACCOUNT_CREDITS }),
  });
  const account = await created.json();
  if (created.status !== 201 || !account.authenticators?.test)
    throw new Error(`the admin API did not create the account: ${created.status}`);
  process.stdout.write(
    `test:faults: PostgreSQL on 127.0.0.1:${cluster.port}, token-gen on ${apps.tokenGen.port}, rights on ${apps.rights.port}, ` +
      `account ${account.account} (${ACCOUNT_CREDITS} credits); set up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  const ctx = await createContext(cluster, apps, { number: account.account, auth: account.authenticators.test });

  const scenarios = [
    ['crafted input', craftedInput],
    ['slow clients', slowClients],
    ['database restart under load', restartUnderLoad],
    ['database down', down],
    ['database frozen', frozen],
    ['kill -9 of rights', killRights],
  ];
  for (const [name, scenario] of scenarios) {
    current = name;
    // A scenario that leaves an app dead must not take the later ones down with it.
    for (const app of [apps.tokenGen, apps.rights]) {
      if (!app.alive()) {
        check(`${app.name} alive before "${name}"`, false, 'it exited during the scenario before; started again');
        await app.start();
      }
    }
    try {
      await scenario(ctx, check);
    } catch (error) {
      check(`${name}: ran to its end`, false, clip(error?.stack ?? error, 300));
    }
  }
  current = 'logs';
  logsCheck(ctx, check);
} catch (error) {
  check(`suite: ${current}`, false, clip(error?.stack ?? error, 300));
} finally {
  await apps?.stop();
  cluster.destroy();
}
process.stdout.write(`test:faults: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
finish();
