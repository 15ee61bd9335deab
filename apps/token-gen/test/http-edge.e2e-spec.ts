import { type RawExchange, rawExchange } from '@openplay/nest-kit/testing';
import net from 'node:net';
import { auditRows, useTokenGen } from './support/token-gen-harness';

const KEY = '000102030405060708090a0b0c0d0e0f';
const KID = 'b366360da82e9c6e0b0984002a362cf2';
const ADMIN_API_KEY = 'test-admin-key-0123456789abcdef';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The API's error shape, answered before the connection closed. */
function expectRefusal(exchange: RawExchange, status: number, format: 'json' | 'html'): void {
  expect({ status: exchange.status, closed: exchange.closed }).toEqual({ status, closed: true });
  if (format === 'json') {
    expect(exchange.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(exchange.body)).toEqual({
      code: status,
      message: expect.stringMatching(new RegExp(`^\\[${status}\\] \\S`)),
    });
  } else {
    expect(exchange.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(exchange.body).toContain(`<p class="code">${status}</p>`);
  }
}

const head = (target: string, headers = 'Host: token-gen.test\r\n') => `GET ${target} HTTP/1.1\r\n${headers}\r\n`;

describe('token-gen at the HTTP edge: slow, oversized and malformed requests, HEAD (real app, real Postgres)', () => {
  const tg = useTokenGen({
    ADMIN_API_KEY,
    HTTP_REQUEST_TIMEOUT_MS: '1500',
    HTTP_HEADERS_TIMEOUT_MS: '700',
    HTTP_KEEP_ALIVE_TIMEOUT_MS: '700',
  });
  let authenticator: string;

  beforeAll(async () => {
    authenticator = (await tg.admin.createAccount({ name: 'Edge', credits: null, widevine: true, fairplay: true }))
      .authenticators.test;
    await fetch(`${tg.baseUrl}/health`); // the first request's one-off costs stay out of the timings
  });

  /** How long a plain request takes on its own connection while a slow client holds another one. */
  async function healthTime(): Promise<number> {
    const started = Date.now();
    const response = await fetch(`${tg.baseUrl}/health`);
    expect(response.status).toBe(200);
    return Date.now() - started;
  }

  it('closes a connection whose body drips in (408 in the requested format) while others are served at once', async () => {
    const slow = rawExchange(
      tg.baseUrl,
      'POST /hms/wv/token?errorFormat=json HTTP/1.1\r\nHost: token-gen.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n',
      { drip: 'a', intervalMs: 100, timeoutMs: 6000 },
    );
    await sleep(300);
    // Served while the slow client still holds its connection, in well under its timeout (a loaded CI machine allowed).
    expect(await healthTime()).toBeLessThan(600);
    const exchange = await slow;
    expectRefusal(exchange, 408, 'json');
    expect(exchange.elapsedMs).toBeGreaterThanOrEqual(1400);
    expect(exchange.elapsedMs).toBeLessThan(2500);
  });

  it('closes a connection whose head drips in, or that sends nothing, after the headers timeout (408)', async () => {
    const slow = rawExchange(tg.baseUrl, 'GET /hms/wv/token HTTP/1.1\r\nHost: token-gen.test\r\n', {
      drip: 'X-Slow: 1\r\n',
      intervalMs: 100,
      timeoutMs: 6000,
    });
    const silent = rawExchange(tg.baseUrl, '', { timeoutMs: 6000 });
    await sleep(300);
    // Served while the slow client still holds its connection, in well under its timeout (a loaded CI machine allowed).
    expect(await healthTime()).toBeLessThan(600);
    for (const exchange of [await slow, await silent]) {
      // The request line is not at hand when a head times out: the default format.
      expectRefusal(exchange, 408, 'html');
      expect(exchange.elapsedMs).toBeGreaterThanOrEqual(650);
      expect(exchange.elapsedMs).toBeLessThan(1800);
    }
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const exchange = await rawExchange(tg.baseUrl, head('/health'), { timeoutMs: 6000 });
    expect(exchange.status).toBe(200);
    expect(exchange.closed).toBe(true);
    // Node keeps the socket a second past the timeout it announces in Keep-Alive, so a client never reuses a closing one.
    expect(exchange.elapsedMs).toBeLessThan(2500);
  });

  const params = Array.from({ length: 10_000 }, (_, i) => `p${i}=${i}`).join('&');
  const bytes = (...parts: Array<string | number>) =>
    Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.from([p]) : Buffer.from(p, 'latin1'))));
  it.each<[string, string | Buffer, number, 'json' | 'html']>([
    [
      'a 60 KB header (errorFormat=json)',
      head('/hms/wv/token?errorFormat=json', `Host: token-gen.test\r\nX-Big: ${'a'.repeat(60_000)}\r\n`),
      431,
      'json',
    ],
    ['a 60 KB header', head('/hms/wv/token', `Host: token-gen.test\r\nX-Big: ${'a'.repeat(60_000)}\r\n`), 431, 'html'],
    ['a 100 KB query', head(`/hms/wv/token?errorFormat=json&cookie=${'a'.repeat(100_000)}`), 414, 'json'],
    ['a 20 KB query', head(`/hms/wv/token?cookie=${'a'.repeat(20_000)}&errorFormat=json`), 414, 'json'],
    ['10,000 query parameters', head(`/hms/wv/token?errorFormat=json&${params}`), 414, 'json'],
    [
      'a raw 0xFF byte in the URL',
      bytes('GET /hms/wv/token?errorFormat=json&cookie=', 0xff, ' HTTP/1.1\r\nHost: token-gen.test\r\n\r\n'),
      400,
      'json',
    ],
    [
      'a raw 0x00 byte in the URL',
      bytes('GET /hms/wv/token?errorFormat=json&cookie=', 0x00, ' HTTP/1.1\r\nHost: token-gen.test\r\n\r\n'),
      400,
      'json',
    ],
    [
      'both Transfer-Encoding and Content-Length',
      'POST /hms/wv/token?errorFormat=json HTTP/1.1\r\nHost: token-gen.test\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n',
      400,
      'json',
    ],
    ['no Host (errorFormat=json)', head('/hms/wv/token?errorFormat=json', ''), 400, 'json'],
    ['no Host', head('/health', ''), 400, 'html'],
  ])('refuses %s in the documented shape, then closes', async (_name, request, status, format) => {
    expectRefusal(await rawExchange(tg.baseUrl, request, { timeoutMs: 6000 }), status, format);
  });

  it('counts what the parser refused in the metrics, under the route `unparsed`', async () => {
    const metrics = await (await fetch(`${tg.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^http_requests_total\{route="unparsed",status="431",code="431"\} [1-9]/m);
    expect(metrics).toMatch(/^http_requests_total\{route="unparsed",status="408",code="408"\} [1-9]/m);
  });

  it('answers a 10 MB query 414, read by the client before the connection closes', async () => {
    const query = await rawExchange(
      tg.baseUrl,
      head(`/hms/wv/token?errorFormat=json&cookie=${'a'.repeat(10_000_000)}`),
      { timeoutMs: 8000 },
    );
    expectRefusal(query, 414, 'json');
  });

  it('answers a 10 MB body 413 and reads the body to its end (no reset to destroy the answer): the connection serves on', async () => {
    const exchange = await rawExchange(
      tg.baseUrl,
      'POST /hms/wv/token?errorFormat=json HTTP/1.1\r\nHost: token-gen.test\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        `Content-Length: 10000000\r\n\r\n${'a'.repeat(10_000_000)}` +
        head('/health', 'Host: token-gen.test\r\nConnection: close\r\n'),
      { timeoutMs: 8000 },
    );
    expectRefusal(exchange, 413, 'json');
    expect(exchange.raw).toMatch(/\r\n\r\n\{"code":413,[^}]*\}HTTP\/1\.1 200 OK\r\n/);
  });

  it('issues nothing on HEAD (405 with Allow) and answers HEAD on /health and /docs', async () => {
    const before = (await auditRows(tg.pool)).length;
    const query = `customerAuthenticator=${encodeURIComponent(authenticator)}&kid=${KID}&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0&errorFormat=json`;
    const token = await fetch(`${tg.baseUrl}/hms/wv/token?${query}`, { method: 'HEAD' });
    expect(token.status).toBe(405);
    expect(token.headers.get('allow')).toBe('GET, POST');
    expect(token.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const bearer = { authorization: `Bearer ${ADMIN_API_KEY}` };
    for (const path of [
      `/cmiapi/getrecord?${query}`,
      '/keystore/keys',
      `/keystore/keys/${KID}/value`,
      '/admin/accounts',
      '/admin/logs',
    ]) {
      const response = await fetch(`${tg.baseUrl}${path}`, { method: 'HEAD', headers: bearer });
      expect({ path, status: response.status, allow: response.headers.get('allow') }).toEqual({
        path,
        status: 405,
        allow: expect.stringMatching(/^GET\b/),
      });
    }
    expect((await auditRows(tg.pool)).length).toBe(before);
    for (const path of ['/health', '/health/ready', '/docs', '/docs/json']) {
      expect({ path, status: (await fetch(`${tg.baseUrl}${path}`, { method: 'HEAD' })).status }).toEqual({
        path,
        status: 200,
      });
    }
    // GET still issues.
    expect((await fetch(`${tg.baseUrl}/hms/wv/token?${query}`)).status).toBe(200);
  });
});

describe('token-gen over its connection cap (real app, real Postgres)', () => {
  const tg = useTokenGen({ HTTP_MAX_CONNECTIONS: '2' });

  it('answers a connection over the cap 503 with Retry-After, then closes it; below the cap again, serves', async () => {
    const { port } = new URL(tg.baseUrl);
    const held = await Promise.all(
      [1, 2].map(
        () =>
          new Promise<net.Socket>((resolve) => {
            const socket = net.connect(Number(port), '127.0.0.1', () => resolve(socket));
          }),
      ),
    );
    const refused = await rawExchange(tg.baseUrl, head('/health?errorFormat=json'), { timeoutMs: 6000 });
    expectRefusal(refused, 503, 'json');
    expect(refused.headers['retry-after']).toBe('1');
    for (const socket of held) socket.destroy();
    await sleep(100);
    const served = await rawExchange(tg.baseUrl, head('/health'), { timeoutMs: 500 });
    expect(served.status).toBe(200);
  });
});
