import { openToken, parseKeyRing } from '@openplay/core';
import { AuditWriter } from '@openplay/database';
import { useTokenGen } from './support/token-gen-harness';

type Json = any;

const KEY = '000102030405060708090a0b0c0d0e0f';
const KID = 'b366360da82e9c6e0b0984002a362cf2';
const IV = 'f0e0d0c0b0a090807060504030201000';

describe('record retrieval /cmiapi/getrecord (real app, real Postgres)', () => {
  const tg = useTokenGen();
  let a: { number: number; auth: string };
  let b: { number: number; auth: string };
  /** Token ids A was issued, oldest first. */
  const issued: string[] = [];

  const get = (path: string, init?: RequestInit) => fetch(`${tg.baseUrl}${path}`, init);
  const records = (who: { auth: string }, query = '') =>
    get(`/cmiapi/getrecord/?customerAuthenticator=${encodeURIComponent(who.auth)}&errorFormat=json${query}`);
  const tokenIdOf = (url: string) =>
    openToken(
      url.slice(url.indexOf('=') + 1),
      parseKeyRing(tg.config.TOKEN_KEYS),
      Math.floor(Date.now() / 1000),
    ).tokenId.toString('hex');
  const wvToken = async (who: { auth: string }, extra: string) => {
    const response = await get(
      `/hms/wv/token?customerAuthenticator=${encodeURIComponent(who.auth)}&kid=${KID}&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0${extra}`,
      { headers: { 'user-agent': 'records-test/1.0' } },
    );
    return { status: response.status, body: await response.text() };
  };

  beforeAll(async () => {
    const created = async (name: string) => {
      const { account, authenticators } = await tg.admin.createAccount({
        name,
        credits: null,
        widevine: true,
        fairplay: true,
      });
      return { number: account.number, auth: authenticators.test };
    };
    a = await created('A');
    b = await created('B');
    for (let i = 0; i < 40; i++) {
      const { status, body } = await wvToken(a, `&cookie=${i % 4 === 0 ? 'device-7' : `c${i}`}`);
      expect(status).toBe(200);
      issued.push(tokenIdOf(body));
    }
    // A refused request of A's (a record with its code, no token; the cookie is recorded only once the request is valid),
    // and B's requests with A's cookie.
    expect((await wvToken(a, '&cookie=device-7&licenseDuration=-1')).status).toBe(400);
    for (let i = 0; i < 3; i++) expect((await wvToken(b, '&cookie=device-7')).status).toBe(200);
    const fp = await get(
      `/hms/fp/token?customerAuthenticator=${encodeURIComponent(a.auth)}&contentKey=${KEY}&iv=${IV}&cookie=fp-1`,
    );
    expect(fp.status).toBe(200);
    issued.push(tokenIdOf(await fp.text()));
  });

  it('answers the latest 32 records of the account by default, newest first, as JSON', async () => {
    const response = await records(a);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body: Json = await response.json();
    expect(body.start).toBe(0);
    expect(body.length).toBe(32);
    expect(body.records).toHaveLength(32);
    // Newest first: the FairPlay token, then the refused request, then the Widevine tokens from the last one back.
    expect(body.records[0]).toEqual({
      id: expect.stringMatching(/^[1-9][0-9]*$/),
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      kind: 'issuance',
      drm: 'fp',
      environment: 'test',
      tokenId: issued[40],
      kid: null,
      cookie: 'fp-1',
      resultCode: 0,
      message: null,
      clientAddress: '127.0.0.1',
      userAgent: 'node',
    });
    expect(body.records[1]).toMatchObject({
      drm: 'wv',
      tokenId: null,
      cookie: null,
      resultCode: -7007,
      message: expect.stringMatching(/^\[-7007\]/),
    });
    expect(body.records.slice(2).map((r: Json) => r.tokenId)).toEqual(issued.slice(10, 40).reverse());
    expect(body.records[2]).toMatchObject({ userAgent: 'records-test/1.0', kid: KID });
    expect(body.records[2]).not.toHaveProperty('requestType');
    const times = body.records.map((r: Json) => r.time);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('answers POST with a form body the same way', async () => {
    const response = await get('/cmiapi/getrecord', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `customerAuthenticator=${encodeURIComponent(a.auth)}&length=3`,
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Json).records.map((r: Json) => r.tokenId)).toEqual([
      issued[40],
      null,
      issued[39],
    ]);
  });

  it('pages by start and length over a 0-based index, newest first', async () => {
    const page = async (query: string) =>
      ((await (await records(a, query)).json()) as Json).records.map((r: Json) => r.id);
    const all = await page('&start=0&length=1000');
    expect(all).toHaveLength(42);
    expect(await page('&start=0&length=10')).toEqual(all.slice(0, 10));
    expect(await page('&start=10&length=10')).toEqual(all.slice(10, 20));
    expect(await page('&start=40')).toEqual(all.slice(40));
    expect(await page('&length=5')).toEqual(all.slice(0, 5));
    expect(await page('&start=42&length=10')).toEqual([]);
    const body: Json = await (await records(a, '&start=5&length=7')).json();
    expect([body.start, body.length, body.records.length]).toEqual([5, 7, 7]);
  });

  it("finds the account's records by cookie, never another account's", async () => {
    const body: Json = await (await records(a, '&cookie=device-7')).json();
    expect(body.cookie).toBe('device-7');
    expect(body.records.every((r: Json) => r.cookie === 'device-7')).toBe(true);
    expect(body.records.map((r: Json) => r.tokenId)).toEqual(issued.filter((_, i) => i < 40 && i % 4 === 0).reverse());
    const ofB: Json = await (await records(b, '&cookie=device-7')).json();
    expect(ofB.records).toHaveLength(3);
    expect(ofB.records.some((r: Json) => issued.includes(r.tokenId))).toBe(false);
    expect(((await (await records(a, '&cookie=nobody')).json()) as Json).records).toEqual([]);
    // A cookie with characters that need encoding.
    expect((await wvToken(a, `&cookie=${encodeURIComponent('a b&c=é')}`)).status).toBe(200);
    const encoded: Json = await (await records(a, `&cookie=${encodeURIComponent('a b&c=é')}`)).json();
    expect(encoded.records.map((r: Json) => r.cookie)).toEqual(['a b&c=é']);
    // Characters outside the BMP (a UTF-16 pair each) count as one, as in a token request: 32 emoji are a valid cookie.
    const emoji = '\u{1F3AC}'.repeat(32);
    expect((await wvToken(a, `&cookie=${encodeURIComponent(emoji)}`)).status).toBe(200);
    const wide: Json = await (await records(a, `&cookie=${encodeURIComponent(emoji)}`)).json();
    expect(wide.records.map((r: Json) => r.cookie)).toEqual([emoji]);
  });

  it('finds one record by id; another account asking for it gets 404, as for an id that does not exist', async () => {
    const [newest]: Json[] = ((await (await records(a, '&length=1')).json()) as Json).records;
    const byId = await records(a, `&id=${newest.id}`);
    expect(byId.status).toBe(200);
    expect(await byId.json()).toEqual({ id: newest.id, records: [newest] });
    const stolen = await records(b, `&id=${newest.id}`);
    expect(stolen.status).toBe(404);
    const stolenBody: Json = await stolen.json();
    expect(stolenBody).toEqual({ code: 404, message: `[404] this account has no record ${newest.id}` });
    const missing = await records(a, '&id=999999999');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as Json).message).toBe('[404] this account has no record 999999999');
  });

  it('shows redemptions with their request type and the device facts recorded', async () => {
    const writer = new AuditWriter(tg.pool);
    await writer.write({
      kind: 'redemption',
      drm: 'wv',
      environment: 'test',
      accountNumber: a.number,
      tokenId: issued[0],
      kid: KID,
      cookie: 'device-7',
      resultCode: 0,
      message: null,
      clientAddress: '10.0.0.9',
      userAgent: 'cdm',
      requestType: 'new',
      device: { systemId: 4445, securityLevel: 3, company: 'Acme TV' },
    });
    const body: Json = await (await records(a, '&length=1')).json();
    expect(body.records[0]).toMatchObject({
      kind: 'redemption',
      tokenId: issued[0],
      requestType: 'new',
      device: { systemId: 4445, securityLevel: 3, company: 'Acme TV' },
      clientAddress: '10.0.0.9',
    });
    // The same record through the id and cookie modes.
    expect(((await (await records(a, `&id=${body.records[0].id}`)).json()) as Json).records[0]).toEqual(
      body.records[0],
    );
    expect(((await (await records(a, '&cookie=device-7')).json()) as Json).records[0]).toEqual(body.records[0]);
  });

  it("narrows the latest records and a cookie's to a time range: from inclusive, to exclusive, any offset", async () => {
    const all: Json[] = ((await (await records(a, '&length=1000')).json()) as Json).records;
    const times = [...new Set(all.map((r) => r.time))].sort();
    expect(times.length).toBeGreaterThan(2);
    const middle = times[Math.floor(times.length / 2)];
    const at = (q: string) => records(a, q).then(async (r) => (await r.json()) as Json);
    const from = await at(`&length=1000&from=${encodeURIComponent(middle)}`);
    expect(from.from).toBe(middle);
    expect(from.records.map((r: Json) => r.id)).toEqual(all.filter((r) => r.time >= middle).map((r) => r.id));
    const to = await at(`&length=1000&to=${encodeURIComponent(middle)}`);
    expect(to.records.map((r: Json) => r.id)).toEqual(all.filter((r) => r.time < middle).map((r) => r.id));
    expect(from.records.length + to.records.length).toBe(all.length);
    // The same instant written with another offset is the same bound.
    const shifted = new Date(Date.parse(middle) + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
    expect((await at(`&length=1000&from=${encodeURIComponent(shifted)}`)).records).toEqual(from.records);
    const cookie = await at(`&cookie=device-7&from=${encodeURIComponent(middle)}`);
    expect(cookie.records.map((r: Json) => r.id)).toEqual(
      all.filter((r) => r.cookie === 'device-7' && r.time >= middle).map((r) => r.id),
    );
    const future = await at('&from=2999-01-01T00:00:00Z');
    expect(future.records).toEqual([]);
  });

  it.each([
    ['length=0', /^\[400\] length must be a whole number from 1 to 1000$/],
    ['length=1001', /length must be a whole number from 1 to 1000/],
    ['length=-5', /length must be/],
    ['length=ten', /length must be/],
    ['length=', /length must be/],
    ['start=-1', /^\[400\] start must be a whole number from 0 to 100000$/],
    ['start=100001', /start must be/],
    ['start=1.5', /start must be/],
    ['start=0&start=10', /^\[400\] start is given more than once with different values$/],
    ['id=0', /id must be a record id/],
    ['id=abc', /id must be a record id/],
    ['id=99999999999999999999', /id must be a record id/],
    ['cookie=', /cookie must be 1 to 32 characters/],
    [`cookie=${'x'.repeat(33)}`, /cookie must be 1 to 32 characters/],
    [`cookie=${encodeURIComponent('\u{1F3AC}'.repeat(33))}`, /cookie must be 1 to 32 characters/],
    ['cookie=a%C2%85b', /cookie must be 1 to 32 characters/], // U+0085, a C1 control character
    ['cookie=a%01b', /cookie must be 1 to 32 characters/],
    ['cookie=a&id=1', /^\[400\] cookie and id cannot be combined/],
    ['cookie=a&start=0', /cookie and start\/length cannot be combined/],
    ['id=1&length=5', /id and start\/length cannot be combined/],
    ['id=1&from=2026-01-01T00:00:00Z', /^\[400\] id cannot be combined with from or to$/],
    ['from=yesterday', /^\[400\] from must be an RFC 3339 date-time with its offset/],
    ['to=2026-02-30T00:00:00Z', /to must be an RFC 3339 date-time/],
    ['from=2026-01-01T00:00:00', /from must be an RFC 3339 date-time/],
    ['from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', /^\[400\] from must be before to$/],
  ])('refuses %s with 400 in the JSON shape', async (query, message) => {
    const response = await records(a, `&${query}`);
    expect(response.status).toBe(400);
    const body: Json = await response.json();
    expect(body).toEqual({ code: 400, message: expect.stringMatching(message) });
  });

  it('authenticates like a token request: -2017, -2018, -2031, in the format errorFormat asks for', async () => {
    const missing = await get('/cmiapi/getrecord?errorFormat=json');
    expect([missing.status, ((await missing.json()) as Json).code]).toEqual([401, -2017]);
    const wrong = await get(`/cmiapi/getrecord?errorFormat=json&customerAuthenticator=${a.number}%2C${'0'.repeat(32)}`);
    expect([wrong.status, ((await wrong.json()) as Json).code]).toEqual([401, -2018]);
    const { account, authenticators } = await tg.admin.createAccount({
      name: 'C',
      credits: 0n,
      widevine: false,
      fairplay: false,
    });
    // No credits and no DRM: records are still the account's to read.
    const c = { auth: authenticators.test };
    expect((await records(c)).status).toBe(200);
    const production = await records({ auth: authenticators.production });
    expect([production.status, ((await production.json()) as Json).code]).toEqual([401, -2018]);
    await tg.admin.setStatus(account.number, 'disabled');
    const disabled = await records(c);
    expect([disabled.status, ((await disabled.json()) as Json).code]).toEqual([401, -2031]);
    const html = await get(`/cmiapi/getrecord?customerAuthenticator=${encodeURIComponent(a.auth)}&length=0`);
    expect(html.status).toBe(400);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await html.text()).toContain('[400] length must be a whole number from 1 to 1000');
    const badFormat = await get(
      `/cmiapi/getrecord?customerAuthenticator=${encodeURIComponent(a.auth)}&errorFormat=xml`,
    );
    expect(badFormat.status).toBe(400);
    expect(await badFormat.text()).toContain('-3004');
    // Authentication comes before the mode parameters, as for token requests.
    const both = await get('/cmiapi/getrecord?errorFormat=json&length=0');
    expect(((await both.json()) as Json).code).toBe(-2017);
  });
});
