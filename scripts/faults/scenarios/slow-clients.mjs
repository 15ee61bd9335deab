// Slow headers and slow bodies: a few raw sockets trickling a byte at a time must be closed within the configured
// times, while other clients keep getting quick answers.
import { rawExchange, sleep, timed } from '../net.mjs';
import { HTTP_HEADERS_TIMEOUT, HTTP_REQUEST_TIMEOUT } from '../settings.mjs';

const TRICKLE_MS = 300;
const SOCKETS_PER_KIND = 3;
/** A fast client's every answer must come within this while the slow ones hang on. */
const FAST_WITHIN_MS = 1000;
/** Slack over a configured time: the server notices an overdue connection on a periodic check. */
const closeBound = (ms) => 2 * ms + 1000;

function trickle(head, totalMs) {
  const chunks = [head];
  for (let waited = 0; waited < totalMs; waited += TRICKLE_MS) chunks.push(TRICKLE_MS, 'a');
  return chunks;
}

export async function slowClients(ctx, check) {
  const { tokenGen, rights } = ctx.apps;
  const fpPath = `/hms/fp/rights/?ExpressPlayToken=${encodeURIComponent(ctx.fairPlayToken(ctx.cookie('slow')))}`;
  const kinds = [
    {
      what: 'slow headers',
      setting: HTTP_HEADERS_TIMEOUT,
      request: (app) => `GET /health HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nX-Slow: `,
    },
    {
      what: 'slow bodies',
      setting: HTTP_REQUEST_TIMEOUT,
      request: (app) =>
        app === rights
          ? `POST ${fpPath} HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nContent-Type: application/octet-stream\r\nContent-Length: 4096\r\n\r\n`
          : `POST /hms/wv/token HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4096\r\n\r\nerrorFormat=json&`,
    },
  ];
  const slow = [];
  for (const kind of kinds) {
    const bound = closeBound(kind.setting.ms);
    for (const app of [tokenGen, rights]) {
      for (let i = 0; i < SOCKETS_PER_KIND; i++) {
        slow.push({
          kind,
          app,
          exchange: rawExchange(app.port, trickle(kind.request(app), bound + 2000), { timeout: bound + 1500 }),
        });
      }
    }
  }
  // The fast clients: liveness of both apps and a real token request, back to back, until the slow ones are done.
  const fast = [];
  let slowDone = false;
  const allSlow = Promise.all(slow.map((s) => s.exchange)).then(() => (slowDone = true));
  await sleep(200);
  while (!slowDone) {
    fast.push(
      ...(await Promise.all([
        timed(`${tokenGen.base}/health`),
        timed(`${rights.base}/health`),
        ctx.token(ctx.cookie('fast')),
      ])),
    );
    await sleep(100);
  }
  await allSlow;

  for (const kind of kinds) {
    const bound = closeBound(kind.setting.ms);
    for (const app of [tokenGen, rights]) {
      const results = await Promise.all(slow.filter((s) => s.kind === kind && s.app === app).map((s) => s.exchange));
      const open = results.filter((r) => !r.closed || r.ms > bound);
      const fivexx = results.filter((r) => r.status !== null && r.status >= 500);
      check(
        `${kind.what} (${app.name}): ${results.length} connections closed within ${bound} ms (${kind.setting.name}=${kind.setting.ms})`,
        open.length === 0 && fivexx.length === 0,
        results
          .map((r) =>
            r.closed
              ? `closed after ${r.ms.toFixed(0)} ms${r.status ? ` with ${r.status}` : ''}`
              : `still open after ${r.ms.toFixed(0)} ms`,
          )
          .join(', '),
      );
    }
  }
  const slowest = Math.max(...fast.map((r) => r.ms));
  const bad = fast.filter((r) => r.status !== 200 || r.ms > FAST_WITHIN_MS);
  check(
    `slow clients: other clients' answers come within ${FAST_WITHIN_MS} ms`,
    fast.length > 0 && bad.length === 0,
    `${fast.length} requests, slowest ${slowest.toFixed(0)} ms` +
      (bad.length ? `, ${bad.length} late or failed (${bad[0].error ?? bad[0].status})` : ''),
  );
}
