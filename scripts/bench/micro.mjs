// The in-process micro benchmarks' loop: cases timed in interleaved rounds, so that a drift of the machine
// touches every case alike; the result is each case's median µs per call.

/** µs per call of `fn` over about `seconds`, calling it `batch` times between clock reads. */
export function microsPerCall(fn, seconds, batch) {
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < end) {
    for (let k = 0; k < batch; k++) fn(n++);
    now = process.hrtime.bigint();
  }
  return Number(now - start) / 1000 / n;
}

/**
 * Runs `cases` ({ fn, setup? }) once to warm up (JIT, caches), then `rounds` interleaved rounds; returns a Map from
 * each case to its median µs per call.
 */
export function interleavedMedians(cases, { rounds, seconds, batch }) {
  const run = (c) => {
    c.setup?.();
    return microsPerCall(c.fn, seconds, batch);
  };
  for (const c of cases) run(c);
  const samples = new Map(cases.map((c) => [c, []]));
  for (let r = 0; r < rounds; r++) for (const c of cases) samples.get(c).push(run(c));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return new Map(cases.map((c) => [c, median(samples.get(c))]));
}
