// Loopback helpers of the fault suite: free ports, timed requests, raw sockets, and the documented error shapes.
import { connect, createServer } from 'node:net';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/**
 * One request over fetch, timed; never throws. { status, headers, body (Buffer), ms } or { error, ms } on a network
 * error or after `timeout` ms without an answer.
 */
export async function timed(url, { timeout, ...init } = {}) {
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeout ?? 12_000) });
    const body = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, body, ms: performance.now() - started };
  } catch (error) {
    const cause = error?.cause?.code ?? error?.name ?? String(error);
    return { error: cause === 'TimeoutError' ? 'no answer (client timeout)' : cause, ms: performance.now() - started };
  }
}

/**
 * Writes `chunks` (Buffers or strings; a number waits that many ms) on a fresh loopback connection and collects what
 * comes back until the server closes it or `timeout` ms pass. { raw (Buffer), closed, ms (until close), status }.
 */
export function rawExchange(port, chunks, { timeout = 5000 } = {}) {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    const received = [];
    let closed = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(received);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(raw.toString('latin1'))?.[1];
      resolve({ raw, closed, ms: performance.now() - started, status: status ? Number(status) : null });
    };
    const timer = setTimeout(finish, timeout);
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (done || socket.destroyed) return;
        if (typeof chunk === 'number') await sleep(chunk);
        else socket.write(chunk);
      }
    });
  });
}

/** The head and body of a raw HTTP/1.1 answer (the body de-chunked when chunked). */
export function parseRaw(raw) {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return { headers: new Map(), body: Buffer.alloc(0) };
  const headers = new Map(
    text
      .slice(0, end)
      .split('\r\n')
      .slice(1)
      .map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  let body = raw.subarray(end + 4);
  if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) {
    const parts = [];
    let at = 0;
    while (at < body.length) {
      const lineEnd = body.indexOf('\r\n', at);
      if (lineEnd < 0) break;
      const size = parseInt(body.toString('latin1', at, lineEnd), 16);
      if (!size) break;
      parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  }
  return { headers, body };
}

/**
 * Why an error answer is not in a documented shape (null when it is): JSON `{"code":N,"message":"[N] …"}`, or, where
 * `html` is allowed, the HTML error page (packages/nest-kit/src/errors/render-error.ts).
 */
export function shapeProblem(contentType, body, { html = false } = {}) {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : String(body);
  const type = String(contentType ?? '');
  if (type.startsWith('application/json')) {
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      return `not JSON: ${clip(text)}`;
    }
    const keys = parsed && typeof parsed === 'object' ? Object.keys(parsed).sort().join(',') : '';
    if (keys !== 'code,message' || !Number.isInteger(parsed.code) || typeof parsed.message !== 'string')
      return `not {code,message}: ${clip(text)}`;
    if (!parsed.message.startsWith(`[${parsed.code}] `))
      return `message does not start with [${parsed.code}]: ${clip(text)}`;
    return null;
  }
  if (html && type.startsWith('text/html')) {
    const code = /<title>Error (-?\d+)<\/title>/.exec(text)?.[1];
    if (!code || !text.includes(`<p class="code">${code}</p>`) || !text.includes('<p class="message">'))
      return `not the HTML error page: ${clip(text)}`;
    return null;
  }
  return `content type ${type || 'none'}: ${clip(text)}`;
}

export function clip(text, length = 160) {
  const s = String(text).replace(/\s+/g, ' ').trim();
  return s.length > length ? `${s.slice(0, length)}…` : s;
}
