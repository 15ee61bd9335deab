import { type RawExchange, rawExchange } from '@openplay/nest-kit/testing';
import { useStack } from './support/stack';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The API's JSON error shape (rights always answers JSON), answered before the connection closed. */
function expectRefusal(exchange: RawExchange, status: number): void {
  expect({ status: exchange.status, closed: exchange.closed }).toEqual({ status, closed: true });
  expect(exchange.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(JSON.parse(exchange.body)).toEqual({
    code: status,
    message: expect.stringMatching(new RegExp(`^\\[${status}\\] \\S`)),
  });
}

const HOST = 'Host: rights.test\r\n';
const get = (target: string, headers = HOST) => `GET ${target} HTTP/1.1\r\n${headers}\r\n`;
const post = (target: string, headers: string) => `POST ${target} HTTP/1.1\r\n${HOST}${headers}\r\n`;
const bytes = (...parts: Array<string | number>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.from([p]) : Buffer.from(p, 'latin1'))));

describe('rights at the HTTP edge: slow, oversized and malformed requests, HEAD (real apps, real Postgres)', () => {
  const stack = useStack(() => ({
    HTTP_REQUEST_TIMEOUT_MS: '1500',
    HTTP_HEADERS_TIMEOUT_MS: '700',
    HTTP_KEEP_ALIVE_TIMEOUT_MS: '700',
  }));

  beforeAll(async () => {
    await fetch(`${stack.rightsUrl}/health`); // the first request's one-off costs stay out of the timings
  });

  async function healthTime(): Promise<number> {
    const started = Date.now();
    expect((await fetch(`${stack.rightsUrl}/health`)).status).toBe(200);
    return Date.now() - started;
  }

  it('closes a connection whose challenge drips in (408) while others are served at once', async () => {
    const slow = rawExchange(stack.rightsUrl, post('/hms/wv/rights/?ExpressPlayToken=x', 'Content-Length: 1000\r\n'), {
      drip: 'a',
      intervalMs: 100,
      timeoutMs: 6000,
    });
    await sleep(300);
    // Served while the slow client still holds its connection, in well under its timeout (a loaded CI machine allowed).
    expect(await healthTime()).toBeLessThan(600);
    const exchange = await slow;
    expectRefusal(exchange, 408);
    expect(exchange.elapsedMs).toBeGreaterThanOrEqual(1400);
    expect(exchange.elapsedMs).toBeLessThan(2500);
  });

  it('closes a connection whose head drips in after the headers timeout (408)', async () => {
    const slow = rawExchange(stack.rightsUrl, 'POST /hms/wv/rights/ HTTP/1.1\r\n', {
      drip: 'X-Slow: 1\r\n',
      intervalMs: 100,
      timeoutMs: 6000,
    });
    await sleep(300);
    // Served while the slow client still holds its connection, in well under its timeout (a loaded CI machine allowed).
    expect(await healthTime()).toBeLessThan(600);
    const exchange = await slow;
    expectRefusal(exchange, 408);
    expect(exchange.elapsedMs).toBeLessThan(1800);
  });

  const params = Array.from({ length: 10_000 }, (_, i) => `p${i}=${i}`).join('&');
  it.each<[string, string | Buffer, number]>([
    [
      'a 60 KB header',
      post('/hms/wv/rights/?ExpressPlayToken=x', `X-Big: ${'a'.repeat(60_000)}\r\nContent-Length: 0\r\n`),
      431,
    ],
    ['a 100 KB query', get(`/hms/wv/rights/?ExpressPlayToken=${'A'.repeat(100_000)}`), 414],
    ['10,000 query parameters', get(`/hms/wv/rights/?${params}`), 414],
    [
      'a raw 0xFF byte in the URL',
      bytes('POST /hms/wv/rights/?ExpressPlayToken=', 0xff, ` HTTP/1.1\r\n${HOST}Content-Length: 0\r\n\r\n`),
      400,
    ],
    [
      'a raw 0x00 byte in the URL',
      bytes('POST /hms/wv/rights/?ExpressPlayToken=', 0x00, ` HTTP/1.1\r\n${HOST}Content-Length: 0\r\n\r\n`),
      400,
    ],
    [
      'both Transfer-Encoding and Content-Length',
      post('/hms/wv/rights/?ExpressPlayToken=x', 'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n') + '0\r\n\r\n',
      400,
    ],
    ['no Host', 'POST /hms/wv/rights/?ExpressPlayToken=x HTTP/1.1\r\nContent-Length: 0\r\n\r\n', 400],
  ])('refuses %s in JSON, then closes', async (_name, request, status) => {
    expectRefusal(await rawExchange(stack.rightsUrl, request, { timeoutMs: 6000 }), status);
  });

  it('refuses a 20 KB token 414 in JSON, while a long-but-plausible 8 KB one reaches the API (its own code)', async () => {
    expectRefusal(
      await rawExchange(
        stack.rightsUrl,
        post(`/hms/wv/rights/?ExpressPlayToken=${'A'.repeat(20_000)}`, 'Content-Length: 0\r\n'),
        { timeoutMs: 6000 },
      ),
      414,
    );
    const response = await fetch(`${stack.rightsUrl}/hms/wv/rights/?ExpressPlayToken=${'A'.repeat(8_000)}`, {
      method: 'POST',
      body: 'x',
    });
    expect(response.status).not.toBe(414);
    expect(((await response.json()) as { code: number }).code).toBeLessThan(0);
  });

  it('answers a 10 MB query 414, read by the client before the connection closes', async () => {
    expectRefusal(
      await rawExchange(stack.rightsUrl, get(`/hms/wv/rights/?ExpressPlayToken=${'A'.repeat(10_000_000)}`), {
        timeoutMs: 8000,
      }),
      414,
    );
  });

  it('answers a 10 MB challenge 413 and reads it to its end (no reset to destroy the answer): the connection serves on', async () => {
    const request =
      post('/hms/wv/rights/?ExpressPlayToken=x', 'Content-Length: 10000000\r\n') +
      'a'.repeat(10_000_000) +
      get('/health', `${HOST}Connection: close\r\n`);
    const exchange = await rawExchange(stack.rightsUrl, request, { timeoutMs: 8000 });
    expectRefusal(exchange, 413);
    expect(exchange.raw).toMatch(/\r\n\r\n\{"code":413,[^}]*\}HTTP\/1\.1 200 OK\r\n/);
  });
});
