import { openToken, parseKeyRing } from '@openplay/core';
import { accessLine, useTokenGen } from './support/token-gen-harness';

type Json = any;

const KEY = '000102030405060708090a0b0c0d0e0f';
const KID = 'b366360da82e9c6e0b0984002a362cf2';
const KEK = '11111111111111111111111111111111';
const IV = 'f0e0d0c0b0a090807060504030201000';
const SECRET = '1ad8eed133edf43cbcc185f0236828ae';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Hostile values over real HTTP, with the app logging at info so that its access log and error lines can be read. */
describe('token-gen under hostile values (real app, real Postgres, its log read back)', () => {
  const tg = useTokenGen({ LOG_LEVEL: 'info' });
  let auth: string;

  beforeAll(async () => {
    auth = (await tg.admin.createAccount({ name: 'Hostile', credits: null, widevine: true, fairplay: true }))
      .authenticators.test;
  });

  const call = (path: string, init?: RequestInit) => fetch(`${tg.baseUrl}${path}`, init);
  const answer = async (response: Response): Promise<[number, number]> => [
    response.status,
    ((await response.json()) as Json).code,
  ];
  const errorLines = () => tg.logs.filter((line) => (line.level as number) >= 50);
  const claimsOf = (url: string) =>
    openToken(url.slice(url.indexOf('=') + 1), parseKeyRing(tg.config.TOKEN_KEYS), Math.floor(Date.now() / 1000));
  const wvParams = (who = auth) =>
    `customerAuthenticator=${encodeURIComponent(who)}&kid=${KID}&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0`;

  describe('an account number past 2147483647 is an unknown account (401 -2018), never a 500', () => {
    const hostile = [`2147483648,${SECRET}`, `999999999999999,${SECRET}`];
    const requests = (who: string): Array<[string, string, RequestInit?]> => {
      const a = `customerAuthenticator=${encodeURIComponent(who)}`;
      return [
        [
          'GET /hms/wv/token',
          `/hms/wv/token?${a}&kid=${KID}&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0&errorFormat=json`,
        ],
        [
          'POST /hms/fp/token (form)',
          '/hms/fp/token?errorFormat=json',
          { method: 'POST', headers: FORM, body: `${a}&contentKey=${KEY}&iv=${IV}` },
        ],
        ['GET /cmiapi/getrecord/', `/cmiapi/getrecord/?${a}&errorFormat=json`],
        [
          'POST /cmiapi/getrecord/ (form)',
          '/cmiapi/getrecord/?errorFormat=json',
          { method: 'POST', headers: FORM, body: a },
        ],
        ['GET /keystore/keys', `/keystore/keys?${a}&kek=${KEK}`],
        ['POST /keystore/keys', `/keystore/keys?${a}&kek=${KEK}`, { method: 'POST' }],
        ['GET /keystore/keycount', `/keystore/keycount?${a}`],
        ['GET /keystore/keys/{kid}', `/keystore/keys/${KID}?${a}`],
        ['GET /keystore/keys/{kid}/value', `/keystore/keys/${KID}/value?${a}&kek=${KEK}`],
        [
          'PUT /keystore/keys/{kid}',
          `/keystore/keys/${KID}?${a}`,
          { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"info":"x"}' },
        ],
        ['DELETE /keystore/keys/{kid}', `/keystore/keys/${KID}?${a}`, { method: 'DELETE' }],
      ];
    };

    it.each(hostile)('%s on every endpoint that takes an authenticator', async (who) => {
      const before = errorLines().length;
      for (const [label, path, init] of requests(who)) {
        expect([label, ...(await answer(await call(path, init)))]).toEqual([label, 401, -2018]);
      }
      expect(errorLines().slice(before)).toEqual([]);
    });

    it('answers the largest account number like any other unknown one', async () => {
      for (const [label, path, init] of requests(`2147483647,${SECRET}`)) {
        expect([label, ...(await answer(await call(path, init)))]).toEqual([label, 401, -2018]);
      }
    });
  });

  describe('the access log keeps no secret, whatever its spelling on the wire', () => {
    const secrets = () => [auth.split(',')[1], KEY, KEK];
    const expectNoSecret = (line: Record<string, unknown>) => {
      const text = JSON.stringify(line);
      for (const secret of secrets()) expect(text).not.toContain(secret);
      expect(text.toLowerCase()).not.toContain(auth.split(',')[1].toLowerCase());
    };

    it('redacts percent-encoded names of a token request that succeeds', async () => {
      const path = `/hms/wv/token?customer%41uthenticator=${encodeURIComponent(auth)}&content%4Bey=${KEY}&kid=${KID}&securityLevel=1&hdcpOutputControl=0&cookie=log-1`;
      const response = await call(path);
      expect(response.status).toBe(200);
      const line = await accessLine(tg.logs, '/hms/wv/token?customer%41uthenticator=');
      expect(line).toMatchObject({
        req: { url: expect.stringContaining('customer%41uthenticator=[redacted]&content%4Bey=[redacted]') },
        res: { statusCode: 200 },
      });
      expectNoSecret(line);
    });

    it.each([
      ['an encoded kek name', `/hms/wv/token?${wvParams()}&cookie=log-2&%6Bek=${KEK}`],
      [
        'double encoding, case and +',
        `/hms/wv/token?${wvParams()}&cookie=log-3&%256Bek=${KEK}&+KEK=${KEK}&ContentKey=${KEY}`,
      ],
      ['; and a pair hidden in a name', `/hms/wv/token?${wvParams()}&cookie=log-4;kek=${KEK}&x%26kek%3D${KEK}`],
      ['a value that does not decode', `/hms/wv/token?${wvParams()}&cookie=log-5&kek=${KEK}%`],
      [
        'a key store path holding the kek',
        `/keystore/keys/${KID}%3Fkek%3D${KEK}?customerAuthenticator=${encodeURIComponent(auth)}`,
      ],
    ])('redacts %s', async (_label, path) => {
      const before = tg.logs.length;
      await (await call(path)).arrayBuffer();
      // The route's directory, which is never redacted (the key store path's kid segment is).
      const route = path.slice(0, path.lastIndexOf('/', path.search(/[?%]/)) + 1);
      const line = await accessLine(tg.logs, route, () => tg.logs.slice(before));
      expect(JSON.stringify(line)).toContain('[redacted]');
      for (const logged of tg.logs.slice(before)) expectNoSecret(logged);
    });

    it('kept no secret in any line of this run', () => {
      expect(tg.logs.length).toBeGreaterThan(0);
      for (const line of tg.logs) expectNoSecret(line);
    });
  });

  describe('form bodies are UTF-8', () => {
    const form = (bytes: Buffer) =>
      call('/hms/wv/token?errorFormat=json', { method: 'POST', headers: FORM, body: bytes });
    const body = (cookie: Buffer) => Buffer.concat([Buffer.from(`${wvParams()}&cookie=`), cookie]);

    it('reads raw UTF-8 as UTF-8: C3 A9 is "é"', async () => {
      const response = await form(body(Buffer.from([0xc3, 0xa9])));
      expect(response.status).toBe(200);
      expect(claimsOf(await response.text()).cookie).toBe('é');
    });

    it.each([
      ['FF FE', [0xff, 0xfe]],
      ['a lone E9 (latin1 é)', [0x61, 0xe9]],
      ['a truncated sequence', [0xe2, 0x82]],
    ])('refuses %s with the parameter own code (cookie: -2033)', async (_label, bytes) => {
      expect(await answer(await form(body(Buffer.from(bytes))))).toEqual([400, -2033]);
    });

    it('refuses a non-UTF-8 authenticator in a form body as malformed (-2018), as in the query', async () => {
      const bytes = Buffer.concat([
        Buffer.from('customerAuthenticator=1'),
        Buffer.from([0xff]),
        Buffer.from(`,${SECRET}`),
      ]);
      expect(await answer(await form(bytes))).toEqual([401, -2018]);
      expect(await answer(await call(`/hms/wv/token?errorFormat=json&customerAuthenticator=1%FF,${SECRET}`))).toEqual([
        401, -2018,
      ]);
    });
  });

  describe('repeated parameters', () => {
    it('reads a parameter sent in the query and the body with the same value as one', async () => {
      const response = await call(`/hms/wv/token?${wvParams()}&cookie=same`, {
        method: 'POST',
        headers: FORM,
        body: `${wvParams()}&cookie=same&errorFormat=json`,
      });
      expect(response.status).toBe(200);
      expect(claimsOf(await response.text()).cookie).toBe('same');
    });

    it('refuses the same parameter with different values', async () => {
      const response = await call(`/hms/wv/token?${wvParams()}&cookie=one&errorFormat=json`, {
        method: 'POST',
        headers: FORM,
        body: 'cookie=two',
      });
      expect(await answer(response)).toEqual([400, -2033]);
    });
  });

  describe('credits come after the parameters', () => {
    it('tells an account with no credits what is wrong with its request first (-7004), then -2019', async () => {
      const { authenticators } = await tg.admin.createAccount({
        name: 'Broke',
        credits: 0n,
        widevine: true,
        fairplay: true,
      });
      const who = authenticators.test;
      expect(
        await answer(
          await call(`/hms/wv/token?${wvParams(who).replace('securityLevel=1', 'securityLevel=9')}&errorFormat=json`),
        ),
      ).toEqual([400, -7004]);
      expect(await answer(await call(`/hms/wv/token?${wvParams(who)}&expirationTime=soon&errorFormat=json`))).toEqual([
        400, -2002,
      ]);
      expect(await answer(await call(`/hms/wv/token?${wvParams(who)}&errorFormat=json`))).toEqual([400, -2019]);
    });
  });
});
