// Crafted input: oversized and malformed requests, hostile integers, percent-encoded secret parameter names, mutated
// tokens, random challenges and SPCs. Each must get a 4xx (or a 200) in a documented shape, never a 5xx, a hang or a
// crash; the secrets sent must not reach the logs (checked at the end of the suite, over everything it sent).
import { randomBytes } from 'node:crypto';
import { FAIRPLAY_VECTOR } from '../../bench/harness.mjs';
import { clip, parseRaw, rawExchange, shapeProblem } from '../net.mjs';

const CRLF = '\r\n';

/** A raw HTTP/1.1 request that asks the server to close after answering. */
function raw(method, target, { host = '127.0.0.1', headers = [], body } = {}) {
  const lines = [
    `${method} ${target} HTTP/1.1`,
    ...(host === null ? [] : [`Host: ${host}`]),
    'Connection: close',
    ...headers,
  ];
  if (body !== undefined && !headers.some((h) => /^(content-length|transfer-encoding):/i.test(h)))
    lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  const head = Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'latin1');
  return body === undefined ? head : Buffer.concat([head, Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1')]);
}

/** One token of a mutated kind: the FairPlay token `token` changed so that it no longer opens. */
function mutations(token) {
  const flip = (at) => token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
  return [
    ['truncated by half', token.slice(0, token.length >> 1)],
    ['one character short', token.slice(0, -1)],
    ['a character flipped at the start', flip(2)],
    ['a character flipped in the middle', flip(token.length >> 1)],
    ['a character flipped at the end', flip(token.length - 2)],
    ['with characters appended', `${token}AAAA`],
    ['not base64 at all', '!!!%%%***'],
    ['4,000 characters of A', 'A'.repeat(4000)],
    ['random base64url', randomBytes(96).toString('base64url')],
  ];
}

export async function craftedInput(ctx, check) {
  const { tokenGen, rights } = ctx.apps;
  const auth = ctx.account.auth;
  const secretHex = auth.split(',')[1];
  const q = (params) => new URLSearchParams(params).toString();
  const tokenQuery = (extra) =>
    q({
      errorFormat: 'json',
      kid: randomBytes(16).toString('hex'),
      contentKey: ctx.contentKey,
      securityLevel: '1',
      hdcpOutputControl: '0',
      ...extra,
    });
  const admin = [`Authorization: Bearer ${ctx.apps.adminKey}`];

  // A real Widevine token from token-gen, for the random-challenge cases.
  const issued = await ctx.token(ctx.cookie('crafted'));
  const wvToken =
    issued.status === 200 ? new URL(issued.body.toString('utf8')).searchParams.get('ExpressPlayToken') : null;
  if (wvToken) ctx.secret('ExpressPlayToken', wvToken);
  const fpToken = ctx.secret('ExpressPlayToken', ctx.fairPlayToken(ctx.cookie('crafted')));
  const kek = ctx.secret('kek', randomBytes(16).toString('hex'));
  const encodedKey = ctx.secret('contentKey', randomBytes(16).toString('hex'));
  const fpPost = (token, body, headers = []) =>
    raw('POST', `/hms/fp/rights/?ExpressPlayToken=${encodeURIComponent(token)}`, {
      headers: ['Content-Type: application/octet-stream', ...headers],
      body,
    });

  // [what, app, raw request]; token-gen answers HTML unless asked errorFormat=json.
  const cases = [
    [
      'oversized header (20 KB)',
      tokenGen,
      raw('GET', `/hms/wv/token?${tokenQuery({ customerAuthenticator: auth })}`, {
        headers: [`X-Big: ${'b'.repeat(20_000)}`],
      }),
    ],
    ['oversized header (20 KB)', rights, raw('GET', '/hms/fp/cert', { headers: [`X-Big: ${'b'.repeat(20_000)}`] })],
    [
      'oversized query (40 KB)',
      tokenGen,
      raw('GET', `/hms/wv/token?${tokenQuery({ customerAuthenticator: auth, contentId: 'c'.repeat(40_000) })}`),
    ],
    [
      'long query (8 KB kid)',
      tokenGen,
      raw('GET', `/hms/wv/token?${tokenQuery({ customerAuthenticator: auth, kid: 'a'.repeat(8000) })}`),
    ],
    ['oversized query (40 KB)', rights, fpPost(`${fpToken}&x=${'c'.repeat(40_000)}`, FAIRPLAY_VECTOR.spc)],
    ['raw bad bytes', tokenGen, Buffer.concat([randomBytes(64), Buffer.from('\x00\xff\xfe\r\n\r\n', 'latin1')])],
    ['raw bad bytes', rights, Buffer.concat([randomBytes(64), Buffer.from('\x00\xff\xfe\r\n\r\n', 'latin1')])],
    ['control byte in a header', tokenGen, raw('GET', '/health', { headers: ['X-Bad: a\x01b'] })],
    [
      'Transfer-Encoding and Content-Length',
      tokenGen,
      raw('POST', '/hms/wv/token', {
        headers: ['Transfer-Encoding: chunked', 'Content-Length: 5', 'Content-Type: application/x-www-form-urlencoded'],
        body: '0\r\n\r\n',
      }),
    ],
    [
      'Transfer-Encoding and Content-Length',
      rights,
      raw('POST', `/hms/fp/rights/?ExpressPlayToken=${encodeURIComponent(fpToken)}`, {
        headers: ['Transfer-Encoding: chunked', 'Content-Length: 5'],
        body: '0\r\n\r\n',
      }),
    ],
    [
      'missing Host',
      tokenGen,
      raw('GET', `/hms/wv/token?${tokenQuery({ customerAuthenticator: auth })}`, { host: null }),
    ],
    ['missing Host', rights, raw('GET', '/hms/fp/cert', { host: null })],
    [
      'bad percent-encoding in the query',
      tokenGen,
      raw('GET', `/hms/wv/token?errorFormat=json&kid=%zz&customerAuthenticator=${encodeURIComponent(auth)}`),
    ],
    ['bad percent-encoding in the path', tokenGen, raw('GET', '/hms/%ff%fe/token?errorFormat=json')],
    ['bad percent-encoding in the path', rights, raw('POST', '/hms/fp/%zz/?ExpressPlayToken=x', { body: 'x' })],
    ...['2147483648', '4294967296', '9007199254740993', '99999999999999999999999999', '-1', '0x10', '1e9'].map(
      (number) => [
        `account number ${number} in an authenticator`,
        tokenGen,
        raw('GET', `/hms/wv/token?${tokenQuery({ customerAuthenticator: `${number},${secretHex}` })}`),
      ],
    ),
    ...[
      ['securityLevel', '4294967297'],
      ['hdcpOutputControl', '2147483648'],
      ['licenseDuration', '9007199254740993'],
      ['licenseDuration', '1e400'],
    ].map(([name, value]) => [
      `${name}=${value}`,
      tokenGen,
      raw('GET', `/hms/wv/token?${tokenQuery({ customerAuthenticator: auth, [name]: value })}`),
    ]),
    [
      'rentalDuration=9007199254740993',
      tokenGen,
      raw(
        'GET',
        `/hms/fp/token?${q({ customerAuthenticator: auth, errorFormat: 'json', contentKey: ctx.contentKey, iv: '00'.repeat(16), rentalDuration: '9007199254740993' })}`,
      ),
    ],
    [
      'record retrieval start=2^63, length=2^31',
      tokenGen,
      raw(
        'GET',
        `/cmiapi/getrecord/?${q({ customerAuthenticator: auth, errorFormat: 'json', start: '9223372036854775808', length: '2147483648' })}`,
      ),
    ],
    [
      'account number 2^31 in record retrieval',
      tokenGen,
      raw('GET', `/cmiapi/getrecord/?${q({ customerAuthenticator: `2147483648,${secretHex}`, errorFormat: 'json' })}`),
    ],
    ['account number 2^31 in the admin API', tokenGen, raw('GET', '/admin/accounts/2147483648', { headers: admin })],
    [
      'account number 10^25 in the admin API',
      tokenGen,
      raw('GET', '/admin/accounts/10000000000000000000000000', { headers: admin }),
    ],
    [
      'account number 2^31 in the admin logs',
      tokenGen,
      raw('GET', '/admin/logs?account=2147483648', { headers: admin }),
    ],
    [
      'credits 2^63 in the admin API',
      tokenGen,
      raw('POST', '/admin/accounts', {
        headers: [...admin, 'Content-Type: application/json'],
        body: JSON.stringify({ name: 'x', credits: 2 ** 63 }),
      }),
    ],
    [
      'percent-encoded secret parameter names',
      tokenGen,
      raw(
        'GET',
        `/hms/wv/token?errorFormat=json&customer%41uthenticator=${encodeURIComponent(auth)}&%63ontentKey=${encodedKey}&k%65k=${kek}&kid=${randomBytes(16).toString('hex')}&securityLevel=1&hdcpOutputControl=0`,
      ),
    ],
    [
      'percent-encoded token parameter name',
      rights,
      raw('POST', `/hms/fp/rights/?Express%50layToken=${encodeURIComponent(fpToken)}`, {
        headers: ['Content-Type: application/octet-stream'],
        body: FAIRPLAY_VECTOR.spc,
      }),
    ],
    ...mutations(fpToken).map(([what, token]) => [
      `mutated token: ${what}`,
      rights,
      fpPost(token, FAIRPLAY_VECTOR.spc),
    ]),
    ['a Widevine token at the FairPlay endpoint', rights, fpPost(wvToken ?? 'none', FAIRPLAY_VECTOR.spc)],
    ...[0, 1, 176, 2000, 60_000].map((size) => [
      `random bytes as an SPC (${size} bytes)`,
      rights,
      fpPost(fpToken, randomBytes(size)),
    ]),
    [
      'a base64 form of random bytes as an SPC',
      rights,
      raw('POST', `/hms/fp/rights/?ExpressPlayToken=${encodeURIComponent(fpToken)}`, {
        headers: ['Content-Type: application/x-www-form-urlencoded'],
        body: `spc=${encodeURIComponent(randomBytes(300).toString('base64'))}`,
      }),
    ],
    ['a body over MAX_BODY_BYTES (100 KB)', rights, fpPost(fpToken, randomBytes(100_000))],
    ...[0, 2, 300, 5000].map((size) => [
      `random bytes as a Widevine challenge (${size} bytes)`,
      rights,
      raw('POST', `/hms/wv/rights/?ExpressPlayToken=${encodeURIComponent(wvToken ?? 'none')}`, {
        headers: ['Content-Type: application/octet-stream'],
        body: randomBytes(size),
      }),
    ]),
  ];

  for (const [what, app, request] of cases) {
    const result = await rawExchange(app.port, [request], { timeout: 5000 });
    const { headers, body } = parseRaw(result.raw);
    let problem = null;
    if (result.status === null)
      problem = result.closed ? `closed without an answer after ${result.ms.toFixed(0)} ms` : 'no answer within 5 s';
    else if (result.status >= 500) problem = `${result.status}: ${clip(body)}`;
    else if (result.status >= 400)
      problem = shapeProblem(headers.get('content-type'), body, {
        html: app === tokenGen && !/[?&]errorFormat=json/.test(request.toString('latin1', 0, 300)),
      });
    const alive = app.alive();
    check(
      `crafted input (${app.name}): ${what}`,
      !problem && alive,
      `${problem ?? `${result.status}`}${alive ? '' : `; ${app.name} exited`}`,
    );
    if (!alive) await app.start();
  }
}
