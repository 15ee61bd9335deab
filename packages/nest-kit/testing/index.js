'use strict';
// Raw HTTP/1.1 exchanges over node:net for e2e tests: the malformed, oversized and slow requests fetch cannot send.
const net = require('node:net');

/**
 * Connects to `baseUrl`'s host and port, writes `request` (all at once, or `drip` one piece every `intervalMs`
 * after it), reads until the server closes the connection (or `timeoutMs` passes), and parses the first response.
 */
function rawExchange(baseUrl, request, options = {}) {
  const { port, hostname } = new URL(baseUrl);
  const { drip, intervalMs = 200, timeoutMs = 10_000 } = options;
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(Number(port), hostname);
    const chunks = [];
    let error;
    let timer;
    let dripper;
    const finish = (closed) => {
      clearTimeout(timer);
      clearInterval(dripper);
      socket.destroy();
      resolve({ ...parseResponse(Buffer.concat(chunks)), closed, elapsedMs: Date.now() - started, error });
    };
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (e) => (error = e.code ?? e.message));
    socket.on('close', () => finish(true));
    timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('connect', () => {
      socket.write(request);
      if (drip !== undefined) dripper = setInterval(() => socket.writable && socket.write(drip), intervalMs);
    });
  });
}

function parseResponse(bytes) {
  const text = bytes.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return { status: undefined, headers: {}, body: '', raw: text };
  const [statusLine, ...lines] = text.slice(0, headEnd).split('\r\n');
  const headers = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  const rest = bytes.subarray(Buffer.byteLength(text.slice(0, headEnd + 4), 'latin1'));
  const body = (length === undefined ? rest : rest.subarray(0, length)).toString('utf8');
  return { status: Number(statusLine.split(' ')[1]), headers, body, raw: text };
}

module.exports = { rawExchange, ...require('./clustered-app') };
