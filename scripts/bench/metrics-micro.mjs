// npm run bench:metrics — in-process micro-benchmark of one license's metric work in packages/nest-kit's Metrics:
// the request counted and timed (`observe`, as the onResponse hook does) and the delivery counted. Also prom-client
// used without kept children (labels objects on every call), as a reference. Prints µs per license (median of
// interleaved rounds).
// MICRO_SECONDS (default 1 per round), MICRO_ROUNDS (default 7). MICRO_NEST_KIT_DIST: another build of
// packages/nest-kit (e.g. a copy of dist/ from before a change), measured side by side with the current one.
// Needs the packages built first: npx turbo run build.
import path from 'node:path';
import { createRequire } from 'node:module';
import { root } from './harness.mjs';
import { interleavedMedians } from './micro.mjs';

const seconds = Number(process.env.MICRO_SECONDS || 1);
const rounds = Number(process.env.MICRO_ROUNDS || 7);
const require = createRequire(import.meta.url);

const route = '/hms/:drm(wv|fp)/rights';
const latencies = [0.0004, 0.0012, 0.0031, 0.0007, 0.02];
const builds = [{ name: 'current', dist: path.join(root, 'packages/nest-kit/dist') }];
if (process.env.MICRO_NEST_KIT_DIST)
  builds.push({ name: 'other', dist: path.resolve(process.env.MICRO_NEST_KIT_DIST) });

const cases = [];
for (const build of builds) {
  const { Metrics } = require(path.join(build.dist, 'metrics/metrics.js'));
  const metrics = new Metrics();
  // Builds from before the `delivered` method counted through the public family's labels().
  const deliver =
    typeof metrics.delivered === 'function'
      ? () => metrics.delivered('wv')
      : () => metrics.deliveries.labels('wv').inc();
  cases.push({
    name: `Metrics, one license (${build.name})`,
    fn: (i) => {
      metrics.observe(route, 200, 0, latencies[i % latencies.length]);
      deliver();
    },
  });
}
{
  const { Counter, Histogram, Registry } = require('prom-client');
  const registry = new Registry();
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'h',
    labelNames: ['route', 'status', 'code'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'h',
    labelNames: ['route'],
    registers: [registry],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  const deliveries = new Counter({
    name: 'drm_deliveries_total',
    help: 'h',
    labelNames: ['drm'],
    registers: [registry],
  });
  cases.push({
    name: 'prom-client, labels per call (reference)',
    fn: (i) => {
      requests.inc({ route, status: '200', code: '0' });
      latency.observe({ route }, latencies[i % latencies.length]);
      deliveries.inc({ drm: 'wv' });
    },
  });
}

// 1000 calls between clock reads: one license's metric work is about a microsecond.
const medians = interleavedMedians(cases, { rounds, seconds, batch: 1000 });
const lines = [
  `== bench:metrics — ${rounds} interleaved rounds of ${seconds} s, median µs per license (observe + delivery)`,
];
for (const c of cases) lines.push(`${c.name.padEnd(48)} ${medians.get(c).toFixed(3).padStart(8)} µs`);
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
