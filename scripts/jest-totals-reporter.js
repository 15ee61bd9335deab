// Records each jest run's totals so that `npm test` can print one closing line for the whole monorepo.
const { mkdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const dir = path.resolve(__dirname, '../.test-results');

class TotalsReporter {
  onRunComplete(_contexts, results) {
    mkdirSync(dir, { recursive: true });
    const name = `${path.basename(process.cwd())}-${process.pid}-${Date.now()}.json`;
    writeFileSync(
      path.join(dir, name),
      JSON.stringify({
        cwd: process.cwd(),
        passed: results.numPassedTests,
        failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
        skipped: results.numPendingTests + results.numTodoTests,
      }),
    );
  }
}

module.exports = TotalsReporter;
