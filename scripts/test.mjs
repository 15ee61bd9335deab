// `npm test`: lints, typechecks and tests every workspace through turbo (unit, e2e and integration tiers; the
// database tiers need TEST_DATABASE_URL or a Docker engine for testcontainers), then the root's own tests
// (scripts/test), then prints one closing line.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const results = path.join(root, '.test-results');
rmSync(results, { recursive: true, force: true });

const turboBin = require.resolve('turbo/bin/turbo');
const passThrough = process.argv.slice(2);
// Lint and typecheck need no database, so they share the cores; the tests run one workspace at a time because the
// database tiers of different workspaces would compete for the same PostgreSQL server.
const checks = spawnSync(
  process.execPath,
  [turboBin, 'run', 'lint', 'lint:root', 'typecheck', '--continue', ...passThrough],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
const turbo = spawnSync(process.execPath, [turboBin, 'run', 'test', '--concurrency=1', '--continue', ...passThrough], {
  cwd: root,
  stdio: 'inherit',
});

// The root's own tests (scripts/test: the supervisor of `npm start`), on node's test runner; skipped when turbo was
// given a filter, which names the workspaces to test.
const filtered = process.argv.slice(2).some((arg) => arg.startsWith('--filter'));
const rootTests = filtered
  ? { status: 0 }
  : spawnSync(
      process.execPath,
      [
        '--test',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=./scripts/node-test-totals-reporter.mjs',
        '--test-reporter-destination=stdout',
        ...readdirSync(path.join(root, 'scripts/test'))
          .filter((name) => name.endsWith('.test.mjs'))
          .map((name) => path.join('scripts/test', name)),
      ],
      { cwd: root, stdio: 'inherit' },
    );

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of existsSync(results) ? readdirSync(results) : []) {
  const totals = JSON.parse(readFileSync(path.join(results, file), 'utf8'));
  passed += totals.passed;
  failed += totals.failed;
  skipped += totals.skipped;
}
const status = (checks.status ?? 1) || (turbo.status ?? 1) || (rootTests.status ?? 1);
if (status !== 0 && failed === 0) failed = 1; // a lint, typecheck or build failure counts as a failure
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(status);
