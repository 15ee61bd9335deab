import { aesKeyUnwrap, aesKeyWrap, kekId, openToken, parseKeyRing } from '@openplay/core';
import { auditRows, RIGHTS_URL, useTokenGen } from './support/token-gen-harness';

type Json = any;
const readJson = (response: Response): Promise<Json> => response.json();

// The key storage documentation's examples: kek 000102…0f (SKeyMa prints #1.afe008a381bdac03b412a92d54b92ddf, the
// first 32 digits of the same digest) and kek 1111…11 (ExpressPlay answers #1.952241B0259652B68A8CAE2BE819DFA3390CDB35).
const KEK = '000102030405060708090a0b0c0d0e0f';
const KEK_ID = '#1.AFE008A381BDAC03B412A92D54B92DDFAD769991';
const KEK_11 = '11111111111111111111111111111111';
const KEK_11_ID = '#1.952241B0259652B68A8CAE2BE819DFA3390CDB35';
const KEY = '00112233445566778899aabbccddeeff';
/** KEY wrapped under KEK: RFC 3394 §4.1. */
const EK = '1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5';
const KID = 'b366360da82e9c6e0b0984002a362cf2';
/** ^kid1, the documentation's string kid. */
const KID1 = '80EA8BC8A58F990AD1F76BC665B30BFA';
const IV = 'f0e0d0c0b0a090807060504030201000';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

let kidCounter = 0;
/** A kid of its own for each test, so the tests share one database without stepping on each other. */
const freshKid = () => `${(++kidCounter).toString(16).padStart(4, '0')}${'ab'.repeat(14)}`;

describe('key storage /keystore (real app, real Postgres)', () => {
  const tg = useTokenGen();
  let auth: string;
  let otherAuth: string;

  beforeAll(async () => {
    auth = (await tg.admin.createAccount({ name: 'Keys', credits: null, widevine: true, fairplay: true }))
      .authenticators.test;
    otherAuth = (await tg.admin.createAccount({ name: 'Other', credits: null, widevine: true, fairplay: true }))
      .authenticators.test;
  });

  const q = (params: Record<string, string> = {}, who = auth) =>
    new URLSearchParams({ customerAuthenticator: who, ...params }).toString();
  const call = (method: string, path: string, params: Record<string, string> = {}, body?: unknown, who = auth) =>
    fetch(`${tg.baseUrl}${path}?${q(params, who)}`, {
      method,
      ...(body === undefined
        ? {}
        : {
            headers: { 'content-type': 'application/json' },
            body: typeof body === 'string' ? body : JSON.stringify(body),
          }),
    });
  const answer = async (response: Response): Promise<[number, Json]> => {
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return [response.status, type.startsWith('application/json') ? JSON.parse(text) : text];
  };
  const post = (body?: unknown, params: Record<string, string> = {}, who = auth) =>
    call('POST', '/keystore/keys', params, body, who).then(answer);
  const getKey = (kids: string, params: Record<string, string> = {}, who = auth) =>
    call('GET', `/keystore/keys/${kids}`, params, undefined, who).then(answer);
  const errorOf = async (response: Promise<[number, Json]>): Promise<[number, number]> => {
    const [status, body] = await response;
    expect(body).toEqual({ code: expect.any(Number), message: expect.stringMatching(/^\[-?\d+\] /) });
    expect(body.message.startsWith(`[${body.code}] `)).toBe(true);
    return [status, body.code];
  };

  describe('POST /keystore/keys', () => {
    it('makes a random kid and key under the kek when the body is empty (201, Location, k once)', async () => {
      const response = await call('POST', '/keystore/keys', { kek: KEK });
      expect(response.status).toBe(201);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const key = await readJson(response);
      expect(key).toEqual({
        kid: expect.stringMatching(/^[0-9A-F]{32}$/),
        kekId: KEK_ID,
        ek: expect.stringMatching(/^[0-9A-F]{48}$/),
        k: expect.stringMatching(/^[0-9A-F]{32}$/),
        lastUpdate: expect.stringMatching(RFC3339),
      });
      expect(response.headers.get('location')).toBe(`/keystore/keys/${key.kid}`);
      expect(aesKeyUnwrap(Buffer.from(KEK, 'hex'), Buffer.from(key.ek, 'hex')).toString('hex')).toBe(
        key.k.toLowerCase(),
      );
      const again = await readJson(await call('POST', '/keystore/keys', { kek: KEK }));
      expect(again.kid).not.toBe(key.kid);
      expect(again.k).not.toBe(key.k);
    });

    it('needs the kek to make a key (-4024)', async () => {
      expect(await errorOf(post())).toEqual([400, -4024]);
      expect(await errorOf(post({ kid: freshKid() }))).toEqual([400, -4024]);
    });

    it('names keks as the documentation does (kekId of 000102…0f and of 1111…11)', async () => {
      const [, a] = await post({ kid: freshKid() }, { kek: KEK });
      const [, b] = await post({ kid: freshKid() }, { kek: KEK_11 });
      expect(a.kekId).toBe(KEK_ID);
      expect(a.kekId.slice(3, 35).toLowerCase()).toBe('afe008a381bdac03b412a92d54b92ddf');
      expect(b.kekId).toBe(KEK_11_ID);
      expect(kekId(Buffer.from(KEK_11, 'hex'))).toBe(KEK_11_ID);
    });

    it('gets or creates by kid: 201 new, 200 for the stored key, unchanged', async () => {
      const kid = freshKid();
      const [created, first] = await post({ kid, info: 'first' }, { kek: KEK });
      expect(created).toBe(201);
      expect(first).toMatchObject({ kid: kid.toUpperCase(), kekId: KEK_ID, info: 'first' });
      const [status, second] = await post({ kid, k: KEY, info: 'second' }, { kek: KEK });
      expect(status).toBe(200);
      expect(second).toEqual(first);
      const [, withoutKek] = await post({ kid, ek: EK, kekId: KEK_ID });
      expect(withoutKek).toEqual({
        kid: first.kid,
        kekId: KEK_ID,
        ek: first.ek,
        info: 'first',
        lastUpdate: first.lastUpdate,
      });
    });

    it('maps ^name kids (^kid1 → 80ea8bc8…) everywhere', async () => {
      const [status, key] = await post({ kid: '^kid1', k: KEY, contentId: 'movie-1' }, { kek: KEK });
      expect(status).toBe(201);
      expect(key).toMatchObject({ kid: KID1, ek: EK.toUpperCase(), k: KEY.toUpperCase(), contentId: 'movie-1' });
      expect((await getKey('^kid1', { kek: KEK }))[1]).toMatchObject({ kid: KID1, k: KEY.toUpperCase() });
      expect((await getKey('%5Ekid1'))[1].kid).toBe(KID1);
      expect((await getKey(KID1.toLowerCase()))[1].kid).toBe(KID1);
      const [spaced] = await post({ kid: '^my movie' }, { kek: KEK });
      expect(spaced).toBe(201);
      expect((await getKey('%5Emy%20movie'))[0]).toBe(200);
      expect((await call('PUT', '/keystore/keys/%5Ekid1', {}, { info: 'named' }).then(answer))[1].info).toBe('named');
    });

    it('stores a given k only wrapped under the kek', async () => {
      const kid = freshKid();
      const [status, key] = await post({ kid, k: KEY.toUpperCase(), expiration: '2030-01-01T00:00:00Z' }, { kek: KEK });
      expect(status).toBe(201);
      expect(key).toMatchObject({
        kid: kid.toUpperCase(),
        kekId: KEK_ID,
        ek: EK.toUpperCase(),
        k: KEY.toUpperCase(),
        expiration: '2030-01-01T00:00:00Z',
      });
      const { rows } = await tg.pool.query('SELECT * FROM stored_keys WHERE kid = $1', [Buffer.from(kid, 'hex')]);
      expect(rows).toHaveLength(1);
      expect(Buffer.from(rows[0].ek).toString('hex')).toBe(EK);
      expect(rows[0].kek_id).toBe(KEK_ID);
      const dump = JSON.stringify(rows, (_k, v) => (v?.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v));
      expect(dump.toLowerCase()).not.toContain(KEY);
      expect(dump.toLowerCase()).not.toContain(KEK);
    });

    it('stores a client-wrapped ek with its kekId as given, without a kek', async () => {
      const kid = freshKid();
      const ek = aesKeyWrap(Buffer.from(KEK_11, 'hex'), Buffer.from(KEY, 'hex')).toString('hex');
      const [status, key] = await post({ kid, ek, kekId: KEK_11_ID.toLowerCase() });
      expect(status).toBe(201);
      expect(key).toEqual({
        kid: kid.toUpperCase(),
        kekId: KEK_11_ID,
        ek: ek.toUpperCase(),
        lastUpdate: expect.stringMatching(RFC3339),
      });
      expect((await getKey(kid, { kek: KEK_11 }))[1].k).toBe(KEY.toUpperCase());
      expect(await errorOf(post({ kid: freshKid(), ek }))).toEqual([400, -4024]);
    });

    it('checks an ek and a kekId against the kek when both come', async () => {
      expect((await post({ kid: freshKid(), ek: EK }, { kek: KEK }))[1].k).toBe(KEY.toUpperCase());
      expect(await errorOf(post({ kid: freshKid(), ek: EK }, { kek: KEK_11 }))).toEqual([400, -4024]);
      expect(await errorOf(post({ kid: freshKid(), k: KEY, kekId: KEK_11_ID }, { kek: KEK }))).toEqual([400, -4024]);
      expect(await errorOf(post({ kid: freshKid(), k: 'ff'.repeat(16), ek: EK }, { kek: KEK }))).toEqual([400, -2005]);
    });
  });

  describe('GET /keystore/keys/{kid}[/value]', () => {
    let kid: string;
    beforeAll(async () => {
      kid = freshKid();
      await post({ kid, k: KEY, info: 'trailer', contentId: 'c-42' }, { kek: KEK });
    });

    it('answers ek and kekId without the kek, and k as well with it', async () => {
      const [status, bare] = await getKey(kid);
      expect(status).toBe(200);
      expect(bare).toEqual({
        kid: kid.toUpperCase(),
        kekId: KEK_ID,
        ek: EK.toUpperCase(),
        info: 'trailer',
        contentId: 'c-42',
        lastUpdate: expect.stringMatching(RFC3339),
      });
      expect(Object.keys(bare)).toEqual(['kid', 'kekId', 'ek', 'info', 'contentId', 'lastUpdate']);
      const [, opened] = await getKey(kid, { kek: KEK.toUpperCase() });
      expect(opened).toEqual({ ...bare, k: KEY.toUpperCase() });
      expect(Object.keys(opened)).toEqual(['kid', 'kekId', 'ek', 'k', 'info', 'contentId', 'lastUpdate']);
    });

    it('refuses a wrong kek with 400 -4024, naming no key', async () => {
      const [status, body] = await getKey(kid, { kek: KEK_11 });
      expect([status, body.code]).toEqual([400, -4024]);
      expect(JSON.stringify(body).toLowerCase()).not.toContain(KEY);
      expect(await errorOf(getKey(`${kid}/value`, { kek: KEK_11 }))).toEqual([400, -4024]);
    });

    it('answers the value as text: the key with the kek, #ek without', async () => {
      const withKek = await call('GET', `/keystore/keys/${kid}/value`, { kek: KEK });
      expect(withKek.status).toBe(200);
      expect(withKek.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await withKek.text()).toBe(KEY.toUpperCase());
      expect((await getKey(`${kid}/value`))[1]).toBe(`#${EK.toUpperCase()}`);
    });

    it('answers several kids at once: an array of keys, or comma-separated values', async () => {
      const second = freshKid();
      const [, made] = await post({ kid: second }, { kek: KEK });
      const [status, keys] = await getKey(`${kid},${second},^kid1`, { kek: KEK });
      expect(status).toBe(200);
      expect(keys.map((k: Json) => k.kid)).toEqual([kid.toUpperCase(), second.toUpperCase(), KID1]);
      expect(keys[1].k).toBe(made.k);
      expect((await getKey(`${kid},${second}/value`, { kek: KEK }))[1]).toBe(`${KEY.toUpperCase()},${made.k}`);
      expect((await getKey(`${kid},${second}/value`))[1]).toBe(`#${EK.toUpperCase()},#${made.ek}`);
      expect(await errorOf(getKey(`${kid},${freshKid()}`))).toEqual([404, 404]);
    });

    it('answers 404 for a kid the account does not have', async () => {
      const missing = freshKid();
      const [status, body] = await getKey(missing);
      expect([status, body]).toEqual([
        404,
        { code: 404, message: `[404] no key is stored under kid ${missing.toUpperCase()}` },
      ]);
      expect(await errorOf(getKey(`${missing}/value`, { kek: KEK }))).toEqual([404, 404]);
    });
  });

  describe('PUT /keystore/keys/{kid}', () => {
    it('updates info, contentId and expiration partially; null clears; lastUpdate moves', async () => {
      const kid = freshKid();
      const [, created] = await post({ kid, k: KEY, info: 'a', contentId: 'c' }, { kek: KEK });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const [status, updated] = await call(
        'PUT',
        `/keystore/keys/${kid}`,
        {},
        { info: 'b', expiration: '2031-02-03T04:05:06+01:00' },
      ).then(answer);
      expect(status).toBe(200);
      expect(updated).toEqual({
        kid: kid.toUpperCase(),
        kekId: KEK_ID,
        ek: EK.toUpperCase(),
        info: 'b',
        contentId: 'c',
        expiration: '2031-02-03T03:05:06Z',
        lastUpdate: expect.stringMatching(RFC3339),
      });
      expect(updated.lastUpdate > created.lastUpdate).toBe(true);
      const [, cleared] = await call(
        'PUT',
        `/keystore/keys/${kid}`,
        {},
        { contentId: null, expiration: null, lastUpdate: 'ignored' },
      ).then(answer);
      expect(cleared).toEqual({
        kid: kid.toUpperCase(),
        kekId: KEK_ID,
        ek: EK.toUpperCase(),
        info: 'b',
        lastUpdate: expect.any(String),
      });
      expect((await getKey(kid))[1]).toEqual(cleared);
    });

    it('replaces the key with a new k under the kek (which may be a new kek)', async () => {
      const kid = freshKid();
      await post({ kid, k: KEY }, { kek: KEK });
      const newKey = 'ff'.repeat(16);
      const [status, updated] = await call('PUT', `/keystore/keys/${kid}`, { kek: KEK_11 }, { k: newKey }).then(answer);
      expect(status).toBe(200);
      expect(updated).toMatchObject({ kekId: KEK_11_ID, k: newKey.toUpperCase() });
      expect(await errorOf(getKey(kid, { kek: KEK }))).toEqual([400, -4024]);
      expect((await getKey(`${kid}/value`, { kek: KEK_11 }))[1]).toBe(newKey.toUpperCase());
    });

    it('accepts an object echoed from a GET with the kek', async () => {
      const kid = freshKid();
      await post({ kid, k: KEY }, { kek: KEK });
      const [, echoed] = await getKey(kid, { kek: KEK });
      const [status, updated] = await call(
        'PUT',
        `/keystore/keys/${kid}`,
        { kek: KEK },
        { ...echoed, info: 'echo' },
      ).then(answer);
      expect(status).toBe(200);
      expect(updated).toMatchObject({ k: KEY.toUpperCase(), ek: EK.toUpperCase(), info: 'echo' });
    });

    it('refuses a new k without kek, a kek that does not open the key, another kid in the body, and a missing key', async () => {
      const kid = freshKid();
      await post({ kid, k: KEY, info: 'kept' }, { kek: KEK });
      expect(await errorOf(call('PUT', `/keystore/keys/${kid}`, {}, { k: KEY }).then(answer))).toEqual([400, -4024]);
      expect(await errorOf(call('PUT', `/keystore/keys/${kid}`, { kek: KEK_11 }, { info: 'x' }).then(answer))).toEqual([
        400, -4024,
      ]);
      expect(
        await errorOf(call('PUT', `/keystore/keys/${kid}`, {}, { kid: freshKid(), info: 'x' }).then(answer)),
      ).toEqual([400, -4022]);
      expect((await getKey(kid))[1].info).toBe('kept');
      expect(await errorOf(call('PUT', `/keystore/keys/${freshKid()}`, {}, { info: 'x' }).then(answer))).toEqual([
        404, 404,
      ]);
    });
  });

  describe('DELETE, list and count', () => {
    it('deletes a key (200), then it is gone (404)', async () => {
      const kid = freshKid();
      await post({ kid }, { kek: KEK });
      const deleted = await call('DELETE', `/keystore/keys/${kid}`);
      expect(deleted.status).toBe(200);
      expect(await deleted.text()).toBe('');
      expect(await errorOf(getKey(kid))).toEqual([404, 404]);
      expect(await errorOf(call('DELETE', `/keystore/keys/${kid}`).then(answer))).toEqual([404, 404]);
    });

    it('lists an account’s keys page by page in kid order, with k for the keys the kek opens, and counts them', async () => {
      const { authenticators } = await tg.admin.createAccount({
        name: 'Lister',
        credits: null,
        widevine: true,
        fairplay: true,
      });
      const who = authenticators.test;
      const made: Json[] = [];
      for (let i = 0; i < 5; i++) made.push((await post(undefined, { kek: i < 4 ? KEK : KEK_11 }, who))[1]);
      expect(await call('GET', '/keystore/keycount', {}, undefined, who).then(answer)).toEqual([200, { keyCount: 5 }]);
      const first = await call('GET', '/keystore/keys', { kek: KEK, limit: '3' }, undefined, who);
      expect(first.status).toBe(200);
      const page1: Json[] = await readJson(first);
      const sorted = made.map((k) => k.kid).sort();
      expect(page1.map((k) => k.kid)).toEqual(sorted.slice(0, 3));
      expect(first.headers.get('link')).toBe(`</keystore/keys?after=${sorted[2]}&limit=3>; rel="next"`);
      const [, page2] = await call(
        'GET',
        '/keystore/keys',
        { kek: KEK, limit: '3', after: sorted[2]! },
        undefined,
        who,
      ).then(answer);
      expect(page2.map((k: Json) => k.kid)).toEqual(sorted.slice(3));
      for (const key of [...page1, ...page2]) {
        const original = made.find((k) => k.kid === key.kid);
        if (original.kekId === KEK_ID) expect(key.k).toBe(original.k);
        else expect(key.k).toBeUndefined();
      }
      const [, all] = await call('GET', '/keystore/keys', {}, undefined, who).then(answer);
      expect(all).toHaveLength(5);
      expect(all.every((k: Json) => k.k === undefined)).toBe(true);
      expect((await call('GET', '/keystore/keys', { limit: '5' }, undefined, who)).headers.get('link')).not.toBeNull();
      expect((await call('GET', '/keystore/keys', { limit: '6' }, undefined, who)).headers.get('link')).toBeNull();
      expect(await errorOf(call('GET', '/keystore/keys', { limit: '0' }, undefined, who).then(answer))).toEqual([
        400, 400,
      ]);
    });
  });

  describe('accounts', () => {
    it('keeps each account to its own keys: another account’s kid is 404, and it may store the same kid', async () => {
      const kid = freshKid();
      await post({ kid, k: KEY, info: 'mine' }, { kek: KEK });
      const [status, body] = await getKey(kid, { kek: KEK }, otherAuth);
      expect([status, body]).toEqual([
        404,
        { code: 404, message: `[404] no key is stored under kid ${kid.toUpperCase()}` },
      ]);
      expect(await errorOf(getKey(`${kid}/value`, {}, otherAuth))).toEqual([404, 404]);
      expect(
        await errorOf(call('PUT', `/keystore/keys/${kid}`, {}, { info: 'theirs' }, otherAuth).then(answer)),
      ).toEqual([404, 404]);
      expect(await errorOf(call('DELETE', `/keystore/keys/${kid}`, {}, undefined, otherAuth).then(answer))).toEqual([
        404, 404,
      ]);
      const [created, theirs] = await post({ kid }, { kek: KEK_11 }, otherAuth);
      expect([created, theirs.kekId]).toEqual([201, KEK_11_ID]);
      expect((await getKey(kid))[1]).toMatchObject({ info: 'mine', kekId: KEK_ID });
      const [, list] = await call('GET', '/keystore/keys', {}, undefined, otherAuth).then(answer);
      expect(list.map((k: Json) => k.kid)).toEqual([kid.toUpperCase()]);
    });

    it('authenticates as token requests do (-2017, -2018 401), answering JSON whatever errorFormat says', async () => {
      const none = await fetch(`${tg.baseUrl}/keystore/keys/${KID}`);
      expect(none.status).toBe(401);
      expect(none.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect((await readJson(none)).code).toBe(-2017);
      const cases: Array<[string, number]> = [
        [`customerAuthenticator=`, -2017],
        [`customerAuthenticator=${encodeURIComponent(auth.replace(/,[0-9a-f]{4}/, ',0000'))}`, -2018],
        [
          `customerAuthenticator=${encodeURIComponent(auth)}&customerAuthenticator=${encodeURIComponent(otherAuth)}`,
          -2018,
        ],
        ['customerAuthenticator=1%2Cxyz', -2018],
        [`customerAuthenticator=1%2C${'0'.repeat(32)}&errorFormat=html`, -2018],
      ];
      for (const [query, code] of cases) {
        const response = await fetch(`${tg.baseUrl}/keystore/keycount?${query}`);
        expect(response.status).toBe(401);
        const body = await readJson(response);
        expect(body).toEqual({ code, message: expect.stringMatching(new RegExp(`^\\[${code}\\] `)) });
        expect(body.message).not.toContain(auth.split(',')[1]);
      }
    });

    it('takes the authenticator and kek from a form body too', async () => {
      const response = await fetch(`${tg.baseUrl}/keystore/keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `customerAuthenticator=${encodeURIComponent(auth)}&kek=${KEK}`,
      });
      expect(response.status).toBe(201);
      expect((await readJson(response)).kekId).toBe(KEK_ID);
      const count = await fetch(`${tg.baseUrl}/keystore/keycount`, {
        method: 'GET',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(count.status).toBe(401);
    });

    it('refuses a disabled account (-2031) but not one without credits or DRM options', async () => {
      const { account, authenticators } = await tg.admin.createAccount({
        name: 'Off',
        credits: 0n,
        widevine: false,
        fairplay: false,
      });
      const who = authenticators.test;
      expect((await post({ kid: freshKid() }, { kek: KEK }, who))[0]).toBe(201);
      await tg.admin.setStatus(account.number, 'disabled');
      expect(await errorOf(call('GET', '/keystore/keycount', {}, undefined, who).then(answer))).toEqual([401, -2031]);
      expect(await errorOf(post({ kid: freshKid() }, { kek: KEK }, who))).toEqual([401, -2031]);
    });
  });

  describe('tokens by kek + kid', () => {
    const token = (drm: 'wv' | 'fp', params: Record<string, string>, who = auth) =>
      fetch(
        `${tg.baseUrl}/hms/${drm}/token?${new URLSearchParams({ customerAuthenticator: who, errorFormat: 'json', ...params }).toString()}`,
      );
    const wv = (params: Record<string, string>) => ({ securityLevel: '1', hdcpOutputControl: '0', ...params });
    const open = (body: string, drm: 'wv' | 'fp') => {
      const prefix = `${RIGHTS_URL}/hms/${drm}/rights/?ExpressPlayToken=`;
      expect(body.startsWith(prefix)).toBe(true);
      return openToken(body.slice(prefix.length), parseKeyRing(tg.config.TOKEN_KEYS), Math.floor(Date.now() / 1000));
    };

    it('issues tokens whose content key is the stored key (Widevine and FairPlay, hex and ^name kids)', async () => {
      const kid = freshKid();
      const [, stored] = await post({ kid }, { kek: KEK });
      const response = await token('wv', wv({ kid, kek: KEK }));
      expect(response.status).toBe(200);
      const claims = open(await response.text(), 'wv');
      expect(claims.contentKey.toString('hex')).toBe(stored.k.toLowerCase());
      expect(claims.kid?.toString('hex')).toBe(kid);
      await post({ kid: '^fp-movie', k: KEY }, { kek: KEK_11 });
      const fp = await token('fp', { kid: '^fp-movie', kek: KEK_11, iv: IV });
      expect(fp.status).toBe(200);
      const fpClaims = open(await fp.text(), 'fp');
      expect(fpClaims.contentKey.toString('hex')).toBe(KEY);
      expect(fpClaims.iv?.toString('hex')).toBe(IV);
      // A client-wrapped key works the same way.
      const wrapped = freshKid();
      await post({ kid: wrapped, ek: EK, kekId: KEK_ID });
      expect(
        open(await (await token('wv', wv({ kid: wrapped, kek: KEK }))).text(), 'wv').contentKey.toString('hex'),
      ).toBe(KEY);
    });

    it('answers -4019 for a kid the account has not stored (another account’s included) and -4024 for a wrong kek', async () => {
      const kid = freshKid();
      expect(await readJson(await token('wv', wv({ kid, kek: KEK })))).toMatchObject({ code: -4019 });
      await post({ kid, k: KEY }, { kek: KEK }, otherAuth);
      const foreign = await token('wv', wv({ kid, kek: KEK }));
      expect([foreign.status, (await readJson(foreign)).code]).toEqual([400, -4019]);
      await post({ kid, k: KEY }, { kek: KEK });
      const wrong = await token('wv', wv({ kid, kek: KEK_11 }));
      expect([wrong.status, (await readJson(wrong)).code]).toEqual([400, -4024]);
      // An ek stored under a kekId that its kek does not actually open: the kekId matches, the unwrap fails.
      const lying = freshKid();
      await post({
        kid: lying,
        ek: aesKeyWrap(Buffer.from(KEK_11, 'hex'), Buffer.from(KEY, 'hex')).toString('hex'),
        kekId: KEK_ID,
      });
      expect(await readJson(await token('wv', wv({ kid: lying, kek: KEK })))).toMatchObject({ code: -4024 });
      expect(await errorOf(getKey(lying, { kek: KEK }))).toEqual([400, -4024]);
    });

    it('keeps keys and keks out of the audit rows', async () => {
      const kid = freshKid();
      await post({ kid, k: KEY }, { kek: KEK });
      await token('wv', wv({ kid, kek: KEK }));
      await token('wv', wv({ kid, kek: KEK_11 }));
      const rows = await auditRows(tg.pool);
      const mine = rows.filter((r) => r.kid === kid);
      expect(mine.map((r) => r.result_code)).toEqual([0, -4024]);
      const dump = JSON.stringify(rows).toLowerCase();
      for (const secret of [KEY, KEK, KEK_11, EK]) expect(dump).not.toContain(secret);
    });
  });

  describe('bad input: a clear error, never a 500', () => {
    const kid = freshKid();
    beforeAll(async () => {
      await post({ kid, k: KEY }, { kek: KEK });
    });

    it.each<[string, string, number]>([
      ['hex of 30 digits', KID.slice(2), -4020],
      ['hex of 34 digits', `${KID}00`, -4020],
      ['non-hex', `${KID.slice(1)}z`, -4022],
      ['a UUID', 'b366360d-a82e-9c6e-0b09-84002a362cf2', -4022],
      ['^ alone', '%5E', -4022],
      ['a name of 65 characters', `%5E${'n'.repeat(65)}`, -4021],
      ['a name outside ASCII', '%5Ecl%C3%A9', -4022],
      ['a name with a control character', '%5Ea%01b', -4022],
      ['an empty item of a list', `${KID},`, -4018],
    ])('refuses a path kid that is %s (%i) on every method', async (_label, value, code) => {
      const expected: [number, number] = [400, code];
      expect(await errorOf(getKey(value))).toEqual(expected);
      expect(await errorOf(getKey(`${value}/value`))).toEqual(expected);
      if (!value.includes(',')) {
        expect(await errorOf(call('PUT', `/keystore/keys/${value}`, {}, { info: 'x' }).then(answer))).toEqual(expected);
        expect(await errorOf(call('DELETE', `/keystore/keys/${value}`).then(answer))).toEqual(expected);
      }
    });

    it.each<[string, unknown, Record<string, string>, number, number]>([
      ['a body kid of 31 digits', { kid: KID.slice(1) }, { kek: KEK }, 400, -4020],
      ['a body kid not hex', { kid: 'g'.repeat(32) }, { kek: KEK }, 400, -4022],
      ['a body kid name too long', { kid: `^${'a'.repeat(65)}` }, { kek: KEK }, 400, -4021],
      ['an empty body kid', { kid: '' }, { kek: KEK }, 400, -4018],
      ['a body kid that is a number', { kid: 7 }, { kek: KEK }, 400, -4022],
      ['k of 30 digits', { k: KEY.slice(2) }, { kek: KEK }, 400, -2027],
      ['k of 64 digits', { k: KEY + KEY }, { kek: KEK }, 400, -2027],
      ['k not hex', { k: `${KEY.slice(1)}x` }, { kek: KEK }, 400, -2005],
      ['an ek of 40 digits', { ek: EK.slice(8), kekId: KEK_ID }, {}, 400, -4024],
      ['a kekId of 32 digits', { ek: EK, kekId: '#1.afe008a381bdac03b412a92d54b92ddf' }, {}, 400, -4024],
      ['a kek of 30 digits', {}, { kek: KEK.slice(2) }, 400, -4024],
      ['a kek not hex', {}, { kek: `${KEK.slice(1)}g` }, 400, -4024],
      ['an empty kek', {}, { kek: '' }, 400, -4024],
      ['a contentId of 257 characters', { contentId: 'c'.repeat(257) }, { kek: KEK }, 400, -6005],
      ['info with a control character', { info: 'a\u0000b' }, { kek: KEK }, 400, 400],
      ['an expiration that is not RFC 3339', { expiration: 'tomorrow' }, { kek: KEK }, 400, 400],
      ['JSON that is not an object', [1, 2], { kek: KEK }, 400, 400],
      ['a body that is not JSON', '{"kid":', { kek: KEK }, 400, 400],
    ])('refuses %s', async (_label, body, params, status, code) => {
      expect(await errorOf(post(body, params))).toEqual([status, code]);
    });

    it('refuses a bad kek on reads too (-4024), and a key of the wrong length in a PUT (-2027)', async () => {
      expect(await errorOf(getKey(kid, { kek: 'abc' }))).toEqual([400, -4024]);
      expect(await errorOf(getKey(`${kid}/value`, { kek: `${KEK}00` }))).toEqual([400, -4024]);
      expect(await errorOf(call('GET', '/keystore/keys', { kek: 'x' }).then(answer))).toEqual([400, -4024]);
      expect(await errorOf(call('PUT', `/keystore/keys/${kid}`, { kek: KEK }, { k: 'ab' }).then(answer))).toEqual([
        400, -2027,
      ]);
    });

    it('answers 415 to JSON sent as a form and to JSON on the token endpoints, and 413 to a huge body, in JSON', async () => {
      const form = await fetch(`${tg.baseUrl}/keystore/keys?${q({ kek: KEK })}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: JSON.stringify({ kid: freshKid() }),
      });
      expect([form.status, (await readJson(form)).code]).toEqual([415, 415]);
      const tokenJson = await fetch(`${tg.baseUrl}/hms/wv/token?errorFormat=json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect([tokenJson.status, (await readJson(tokenJson)).code]).toEqual([415, 415]);
      const huge = await call('POST', '/keystore/keys', { kek: KEK }, { info: 'x'.repeat(70_000) });
      expect(huge.status).toBe(413);
      expect(await readJson(huge)).toEqual({ code: 413, message: '[413] Request body is too large' });
      const other = await fetch(`${tg.baseUrl}/keystore/keys?${q({ kek: KEK })}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'x',
      });
      expect([other.status, (await readJson(other)).code]).toEqual([415, 415]);
    });

    it('answers unknown key store paths and methods with a JSON 404', async () => {
      for (const [method, path] of [
        ['GET', '/keystore/nothing'],
        ['PATCH', `/keystore/keys/${kid}`],
        ['POST', `/keystore/keys/${kid}/value`],
      ] as const) {
        const response = await fetch(`${tg.baseUrl}${path}?${q()}`, { method });
        expect(response.status).toBe(404);
        expect(await readJson(response)).toEqual({ code: 404, message: '[404] Not Found' });
      }
    });

    it('answers a path that is not valid percent-encoding with a JSON 400 that does not echo the URL', async () => {
      const response = await call('GET', '/keystore/keys/%ZZ');
      expect(response.status).toBe(400);
      const body = await readJson(response);
      expect(body).toEqual({ code: 400, message: '[400] Malformed URL' });
    });

    it('is described in the OpenAPI document', async () => {
      const document = await readJson(await fetch(`${tg.baseUrl}/docs/json`));
      expect(Object.keys(document.paths)).toEqual(
        expect.arrayContaining([
          '/keystore/keys',
          '/keystore/keycount',
          '/keystore/keys/{kids}',
          '/keystore/keys/{kids}/value',
          '/keystore/keys/{kid}',
        ]),
      );
      expect(Object.keys(document.paths['/keystore/keys'])).toEqual(expect.arrayContaining(['get', 'post']));
      expect(Object.keys(document.paths['/keystore/keys/{kid}'])).toEqual(expect.arrayContaining(['put', 'delete']));
    });

    it('refuses more than 100 kids in one path (400)', async () => {
      expect(await errorOf(getKey(Array(101).fill(kid).join(',')))).toEqual([400, 400]);
      expect((await getKey(Array(100).fill(kid).join(',')))[1]).toHaveLength(100);
    });
  });
});

describe('key storage logs', () => {
  const tg = useTokenGen({ LOG_LEVEL: 'info' });

  it('never writes a key, a kek or an ek to the log, whatever the request', async () => {
    const { authenticators } = await tg.admin.createAccount({
      name: 'Logs',
      credits: null,
      widevine: true,
      fairplay: true,
    });
    const base = `${tg.baseUrl}/keystore/keys`;
    const auth = `customerAuthenticator=${encodeURIComponent(authenticators.test)}`;
    const kid = freshKid();
    const json = { 'content-type': 'application/json' };
    await fetch(`${base}?${auth}&kek=${KEK}`, { method: 'POST', headers: json, body: JSON.stringify({ kid, k: KEY }) });
    await fetch(`${base}/${kid}?${auth}&kek=${KEK}`);
    await fetch(`${base}/${kid}/value?${auth}&kek=${KEK}`);
    await fetch(`${base}/${kid}?${auth}&kek=${KEK_11}`);
    await fetch(`${base}?${auth}`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ kid: freshKid(), ek: EK, kekId: KEK_ID }),
    });
    await fetch(`${base}/${kid}?${auth}&kek=${KEK}`, {
      method: 'PUT',
      headers: json,
      body: JSON.stringify({ k: 'ff'.repeat(16) }),
    });
    await fetch(`${tg.baseUrl}/hms/wv/token?${auth}&kid=${kid}&kek=${KEK}&securityLevel=1&hdcpOutputControl=0`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = tg.logs.map((line) => JSON.stringify(line));
    const log = lines.join('').toLowerCase();
    expect(log).toContain('/keystore/keys');
    for (const secret of [KEY, KEK, KEK_11, EK, 'ff'.repeat(16), authenticators.test.split(',')[1]])
      expect(log).not.toContain(secret);
  });
});
