// A reporter for node's test runner (`node --test --test-reporter=./scripts/node-test-totals-reporter.mjs`) that
// records the run's totals in .test-results, as jest-totals-reporter.js does for jest, so that `npm test` counts the
// root's own tests (scripts/test/*.test.mjs) in its closing line. It prints nothing; pair it with another reporter.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../.test-results');

// The runner takes a generator of output; this one only records, so it yields nothing.
// eslint-disable-next-line require-yield
export default async function* totals(source) {
  // The runner's closing diagnostics ("pass 6", "fail 1", …) are its own count, files that failed to load included.
  const summary = {};
  for await (const event of source) {
    if (event.type !== 'test:diagnostic') continue;
    const match = /^(pass|fail|cancelled|skipped|todo) (\d+)$/.exec(event.data.message);
    if (match) summary[match[1]] = Number(match[2]);
  }
  mkdirSync(dir, { recursive: true });
  const totals = {
    cwd: process.cwd(),
    passed: summary.pass ?? 0,
    failed: (summary.fail ?? 0) + (summary.cancelled ?? 0),
    skipped: (summary.skipped ?? 0) + (summary.todo ?? 0),
  };
  writeFileSync(path.join(dir, `root-scripts-${process.pid}-${Date.now()}.json`), JSON.stringify(totals));
}
