import { useTokenGen } from './support/token-gen-harness';

type Json = any;

const ADMIN_API_KEY = 'test-admin-key-0123456789abcdef';
const KEY = '000102030405060708090a0b0c0d0e0f';
const KID = 'b366360da82e9c6e0b0984002a362cf2';

describe('admin API /admin (real app, real Postgres)', () => {
  const tg = useTokenGen({ ADMIN_API_KEY });

  const call = (
    method: string,
    path: string,
    body?: unknown,
    key: string | null = ADMIN_API_KEY,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${tg.baseUrl}${path}`, {
      method,
      headers: {
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  const ok = async (response: Response, status = 200): Promise<Json> => {
    const text = await response.text();
    expect([response.status, text]).toEqual([status, expect.anything()]);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    return JSON.parse(text);
  };
  const error = async (response: Response): Promise<[number, Json]> => [response.status, await response.json()];
  const token = (authenticator: string, extra = '') =>
    fetch(
      `${tg.baseUrl}/hms/wv/token?customerAuthenticator=${encodeURIComponent(authenticator)}&kid=${KID}&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0&errorFormat=json${extra}`,
    );

  let number: number;
  let authenticators: { test: string; production: string };

  it('creates an account and returns its authenticators once; they work for token requests', async () => {
    const created = await ok(await call('POST', '/admin/accounts', { name: 'Acme', credits: 2, fairplay: false }), 201);
    expect(created).toEqual({
      account: expect.any(Number),
      authenticators: {
        test: expect.stringMatching(/^\d{6},[0-9a-f]{32}$/),
        production: expect.stringMatching(/^\d{6},[0-9a-f]{32}$/),
      },
    });
    ({ account: number, authenticators } = created);
    expect(authenticators.test.startsWith(`${number},`)).toBe(true);
    expect((await token(authenticators.test)).status).toBe(200);
  });

  it('takes form bodies too', async () => {
    const created = await ok(
      await call('POST', '/admin/accounts', 'name=Caf%C3%A9&credits=unlimited&widevine=off', ADMIN_API_KEY, {
        'content-type': 'application/x-www-form-urlencoded',
      }),
      201,
    );
    const shown = await ok(await call('GET', `/admin/accounts/${created.account}`));
    expect(shown).toMatchObject({ name: 'Café', credits: null, widevineEnabled: false, fairplayEnabled: true });
  });

  it('lists and shows accounts, never a secret', async () => {
    const list = await ok(await call('GET', '/admin/accounts'));
    expect(list.map((a: Json) => a.number)).toContain(number);
    expect(list.find((a: Json) => a.number === number)).toEqual({
      id: expect.any(Number),
      number,
      name: 'Acme',
      status: 'active',
      // Issuance checks the balance; redemptions spend it.
      credits: 2,
      widevineEnabled: true,
      fairplayAuthorized: false,
      fairplayEnabled: false,
      clearKeyEnabled: true,
      maxStreams: null,
      streamLimitMode: null,
      maxDevices: null,
      deviceWindow: null,
    });
    const shown = await ok(await call('GET', `/admin/accounts/${number}`));
    expect(shown.authenticators).toEqual([
      { id: expect.any(Number), environment: 'test', label: 'initial', createdAt: expect.any(String), revokedAt: null },
      {
        id: expect.any(Number),
        environment: 'production',
        label: 'initial',
        createdAt: expect.any(String),
        revokedAt: null,
      },
    ]);
    expect(JSON.stringify(shown)).not.toContain(authenticators.test.split(',')[1]);
  });

  it('sets credits, options and status, with the effect on token requests', async () => {
    expect((await ok(await call('PUT', `/admin/accounts/${number}/credits`, { credits: 0 }))).credits).toBe(0);
    expect((await error(await token(authenticators.test)))[1].code).toBe(-2019);
    expect(
      (await ok(await call('PUT', `/admin/accounts/${number}/credits`, { credits: 'unlimited' }))).credits,
    ).toBeNull();
    expect((await ok(await call('PUT', `/admin/accounts/${number}/credits`, { credits: '25' }))).credits).toBe(25);
    expect((await ok(await call('PUT', `/admin/accounts/${number}/credits`, { credits: null }))).credits).toBeNull();
    const options = await ok(
      await call('PATCH', `/admin/accounts/${number}/options`, {
        widevineEnabled: false,
        fairplayAuthorized: true,
        name: 'Acme Corp',
      }),
    );
    expect(options).toMatchObject({
      name: 'Acme Corp',
      widevineEnabled: false,
      fairplayAuthorized: true,
      fairplayEnabled: false,
    });
    expect((await error(await token(authenticators.test)))[1].code).toBe(-7011);
    await ok(await call('PATCH', `/admin/accounts/${number}/options`, { widevineEnabled: 'on' }));
    // The Clear Key switch: off refuses Clear Key tokens with -8001 and leaves Widevine alone.
    const ckToken = () =>
      fetch(
        `${tg.baseUrl}/hms/ck/token?customerAuthenticator=${encodeURIComponent(authenticators.test)}&kid=${KID}&contentKey=${KEY}&errorFormat=json`,
      );
    expect((await ckToken()).status).toBe(200);
    expect(
      (await ok(await call('PATCH', `/admin/accounts/${number}/options`, { clearKeyEnabled: 'off' }))).clearKeyEnabled,
    ).toBe(false);
    expect((await error(await ckToken()))[1].code).toBe(-8001);
    expect((await token(authenticators.test)).status).toBe(200);
    expect(await error(await call('PATCH', `/admin/accounts/${number}/options`, { clearKeyEnabled: 'maybe' }))).toEqual(
      [400, { code: 400, message: '[400] clearKeyEnabled must be true or false (or on/off)' }],
    );
    await ok(await call('PATCH', `/admin/accounts/${number}/options`, { clearKeyEnabled: true }));
    expect((await ckToken()).status).toBe(200);
    expect((await ok(await call('POST', `/admin/accounts/${number}/disable`))).status).toBe('disabled');
    expect((await error(await token(authenticators.test)))[1].code).toBe(-2031);
    expect((await ok(await call('POST', `/admin/accounts/${number}/enable`))).status).toBe('active');
    expect((await token(authenticators.test)).status).toBe(200);
  });

  it("sets and clears the account's stream and device limits, refusing bad values with 400 naming the field", async () => {
    const limits = (body: unknown) => call('PATCH', `/admin/accounts/${number}/limits`, body);
    const shown = await ok(await call('GET', `/admin/accounts/${number}`));
    expect(shown).toMatchObject({ maxStreams: null, streamLimitMode: null, maxDevices: null, deviceWindow: null });
    expect(await ok(await limits({ maxStreams: 2 }))).toMatchObject({
      number,
      maxStreams: 2,
      streamLimitMode: 'deny',
      maxDevices: null,
      deviceWindow: null,
    });
    expect(await ok(await limits({ maxDevices: '3', deviceWindow: '600' }))).toMatchObject({
      maxStreams: 2,
      streamLimitMode: 'deny',
      maxDevices: 3,
      deviceWindow: 600,
    });
    expect(await ok(await limits({ maxStreams: 100000, streamLimitMode: 'stopOldest', maxDevices: 1 }))).toMatchObject({
      maxStreams: 100000,
      streamLimitMode: 'stopOldest',
      maxDevices: 1,
      deviceWindow: 2592000,
    });
    // A form, as curl -d sends it: "none" clears.
    const form = await ok(
      await call('PATCH', `/admin/accounts/${number}/limits`, 'maxStreams=none', ADMIN_API_KEY, {
        'content-type': 'application/x-www-form-urlencoded',
      }),
    );
    expect(form).toMatchObject({ maxStreams: null, streamLimitMode: null, maxDevices: 1 });
    expect(await ok(await limits({ maxDevices: null }))).toMatchObject({ maxDevices: null, deviceWindow: null });
    expect((await ok(await call('GET', '/admin/accounts'))).find((a: Json) => a.number === number)).toMatchObject({
      maxStreams: null,
      maxDevices: null,
    });

    const streams = '[400] maxStreams must be a whole number (1 to 100000), or null / "none" to clear it';
    const devices = '[400] maxDevices must be a whole number (1 to 100), or null / "none" to clear it';
    for (const [body, message] of [
      [{}, '[400] give at least one of maxStreams, maxDevices'],
      [{ maxStreams: 0 }, streams],
      [{ maxStreams: 100001 }, streams],
      [{ maxStreams: 1.5 }, streams],
      [{ maxStreams: '1e3' }, streams],
      [{ maxStreams: -1 }, streams],
      [{ maxStreams: true }, streams],
      [{ maxStreams: 'unlimited' }, streams],
      [{ maxStreams: 2, streamLimitMode: 'kick' }, '[400] streamLimitMode must be deny or stopOldest'],
      [{ streamLimitMode: 'deny', maxDevices: 1 }, '[400] give maxStreams (a number) with streamLimitMode'],
      [{ maxStreams: null, streamLimitMode: 'deny' }, '[400] give maxStreams (a number) with streamLimitMode'],
      [{ maxDevices: 0 }, devices],
      [{ maxDevices: 101 }, devices],
      [{ maxDevices: 2, deviceWindow: 59 }, '[400] deviceWindow must be a whole number of seconds, 60 to 31536000'],
      [
        { maxDevices: 2, deviceWindow: 31536001 },
        '[400] deviceWindow must be a whole number of seconds, 60 to 31536000',
      ],
      [{ deviceWindow: 600, maxStreams: 1 }, '[400] give maxDevices (a number) with deviceWindow'],
      [{ maxStreams: 1, maxUsers: 3 }, '[400] unknown field "maxUsers"'],
    ] as const) {
      expect([body, await error(await limits(body))]).toEqual([body, [400, { code: 400, message }]]);
    }
    // Nothing refused was stored.
    expect(await ok(await call('GET', `/admin/accounts/${number}`))).toMatchObject({
      maxStreams: null,
      maxDevices: null,
    });
    expect(await error(await call('PATCH', '/admin/accounts/1/limits', { maxStreams: 1 }))).toEqual([
      404,
      { code: 404, message: '[404] no account 1' },
    ]);
  });

  it('adds and revokes authenticators', async () => {
    const added = await ok(
      await call('POST', `/admin/accounts/${number}/authenticators`, { environment: 'test', label: 'rotation 1' }),
      201,
    );
    expect(added).toMatchObject({
      id: expect.any(Number),
      environment: 'test',
      label: 'rotation 1',
      revokedAt: null,
      authenticator: expect.stringMatching(new RegExp(`^${number},[0-9a-f]{32}$`)),
    });
    expect((await token(added.authenticator)).status).toBe(200);
    expect(await ok(await call('DELETE', `/admin/accounts/${number}/authenticators/${added.id}`))).toEqual({
      revoked: added.id,
    });
    expect((await error(await token(added.authenticator)))[1].code).toBe(-2018);
    expect(await error(await call('DELETE', `/admin/accounts/${number}/authenticators/${added.id}`))).toEqual([
      404,
      { code: 404, message: `[404] account ${number} has no live authenticator ${added.id}` },
    ]);
  });

  it('searches the logs by cookie, token id and account', async () => {
    const response = await token(authenticators.test, '&cookie=admin-logs-1');
    const url = await response.text();
    const logs = await ok(await call('GET', '/admin/logs?cookie=admin-logs-1'));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      account: number,
      kind: 'issuance',
      drm: 'wv',
      cookie: 'admin-logs-1',
      resultCode: 0,
      kid: KID,
    });
    const tokenId = logs[0].tokenId as string;
    expect(url).toContain('ExpressPlayToken=');
    expect(
      (await ok(await call('GET', `/admin/logs?tokenId=${tokenId.toUpperCase()}`))).map((r: Json) => r.id),
    ).toEqual([logs[0].id]);
    const ofAccount = await ok(await call('GET', `/admin/logs?account=${number}&limit=3`));
    expect(ofAccount).toHaveLength(3);
    expect(ofAccount[0].id).toBe(logs[0].id);
    expect(await ok(await call('GET', '/admin/logs?cookie=admin-logs-1&account=100000'))).toEqual([]);
  });

  it.each([
    ['GET', '/admin/accounts/abc', undefined, 400, '[400] give the account number'],
    ['GET', '/admin/accounts/1', undefined, 404, '[404] no account 1'],
    ['PUT', '/admin/accounts/1/credits', { credits: 5 }, 404, '[404] no account 1'],
    ['POST', '/admin/accounts/1/disable', undefined, 404, '[404] no account 1'],
    ['POST', '/admin/accounts', { credits: 5 }, 400, '[400] name must be a non-empty string of at most 200 characters'],
    ['POST', '/admin/accounts', '{"name":', 400, '[400] the body is not valid JSON'],
    ['POST', '/admin/accounts', '[1]', 400, '[400] the body must be a JSON object'],
    [
      'POST',
      '/admin/accounts',
      { name: 'X', widevine: 'maybe' },
      400,
      '[400] widevine must be true or false (or on/off)',
    ],
    ['GET', '/admin/logs', undefined, 400, '[400] give a cookie, a token id or an account to search the logs by'],
    ['GET', '/admin/logs?tokenId=xyz', undefined, 400, '[400] a token id is 32 hex digits'],
    ['GET', '/admin/logs?account=1&limit=0', undefined, 400, '[400] the limit must be a whole number from 1 to 1000'],
    ['GET', '/admin/logs?cookie=a&cookie=b', undefined, 400, '[400] cookie is given more than once'],
    ['GET', '/admin/nothing', undefined, 404, '[404] Not Found'],
  ])('%s %s %j → %d', async (method, path, body, status, message) => {
    expect(await error(await call(method, path, body))).toEqual([status, { code: status, message }]);
  });

  it('refuses bad credits, options and authenticator input with 400', async () => {
    const bad = async (method: string, path: string, body: unknown) => (await error(await call(method, path, body)))[0];
    expect(await bad('PUT', `/admin/accounts/${number}/credits`, { credits: -1 })).toBe(400);
    expect(await bad('PUT', `/admin/accounts/${number}/credits`, { credits: 1.5 })).toBe(400);
    expect(await bad('PUT', `/admin/accounts/${number}/credits`, { credits: 'lots' })).toBe(400);
    expect(await bad('PUT', `/admin/accounts/${number}/credits`, {})).toBe(400);
    expect(await bad('PATCH', `/admin/accounts/${number}/options`, {})).toBe(400);
    expect(await bad('POST', `/admin/accounts/${number}/authenticators`, { environment: 'staging' })).toBe(400);
    expect(await bad('DELETE', `/admin/accounts/${number}/authenticators/x`, undefined)).toBe(400);
    expect(await bad('DELETE', `/admin/accounts/${number}/authenticators/2147483648`, undefined)).toBe(400);
    // Every id PostgreSQL can hold is a question for the database: this one is not there.
    expect(await bad('DELETE', `/admin/accounts/${number}/authenticators/2147483647`, undefined)).toBe(404);
  });

  it('refuses names, labels and cookies with control characters or broken UTF-16 with 400, not a database error', async () => {
    const refused = async (method: string, path: string, body?: unknown) => {
      const [status, body_] = await error(await call(method, path, body));
      expect(status).toBe(400);
      return body_.message as string;
    };
    expect(await refused('POST', '/admin/accounts', { name: 'Nul\u0000Co' })).toMatch(
      /name must not contain control characters/,
    );
    expect(await refused('PATCH', `/admin/accounts/${number}/options`, { name: 'half \ud800' })).toMatch(
      /name must not contain/,
    );
    expect(
      await refused('POST', `/admin/accounts/${number}/authenticators`, { environment: 'test', label: 'tab\tlabel' }),
    ).toMatch(/label must not/);
    expect(await refused('GET', '/admin/logs?cookie=a%00b')).toMatch(/cookie must not contain/);
    expect((await ok(await call('GET', `/admin/accounts/${number}`))).name).not.toMatch(/half/);
  });

  describe('hostile input: the documented 400, never a 500, and nothing changed', () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const deep = `{"name":"Deep","credits":${'['.repeat(30_000)}${']'.repeat(30_000)}}`;
    const credits = '[400] credits must be a whole number (0 to 999999999999999), or null / "unlimited"';
    const name = '[400] name must be a non-empty string of at most 200 characters';
    const cases: Array<[string, string, (n: number) => string, unknown, string, Record<string, string>]> = [
      ['a number body', 'POST', () => '/admin/accounts', '5', '[400] the body must be a JSON object', {}],
      ['a string body', 'POST', () => '/admin/accounts', '"name"', '[400] the body must be a JSON object', {}],
      ['a null body', 'POST', () => '/admin/accounts', 'null', '[400] the body must be a JSON object', {}],
      [
        'an array body',
        'PUT',
        (n) => `/admin/accounts/${n}/credits`,
        '[{"credits":1}]',
        '[400] the body must be a JSON object',
        {},
      ],
      ['a name as an array', 'POST', () => '/admin/accounts', { name: ['X'] }, name, {}],
      ['a name as an object', 'POST', () => '/admin/accounts', { name: { first: 'X' } }, name, {}],
      ['huge credits', 'POST', () => '/admin/accounts', { name: 'X', credits: 1e300 }, credits, {}],
      ['16-digit credits', 'POST', () => '/admin/accounts', { name: 'X', credits: '9999999999999999' }, credits, {}],
      ['NaN credits', 'PUT', (n) => `/admin/accounts/${n}/credits`, { credits: 'NaN' }, credits, {}],
      ['credits true', 'PUT', (n) => `/admin/accounts/${n}/credits`, { credits: true }, credits, {}],
      ['credits deeply nested', 'POST', () => '/admin/accounts', deep, credits, {}],
      [
        'an unknown field',
        'POST',
        () => '/admin/accounts',
        { name: 'X', colour: 'red' },
        '[400] unknown field "colour"',
        {},
      ],
      [
        '__proto__',
        'POST',
        () => '/admin/accounts',
        '{"name":"X","__proto__":{"credits":1}}',
        '[400] unknown field "__proto__"',
        {},
      ],
      [
        '__proto__ in a form',
        'POST',
        () => '/admin/accounts',
        'name=X&__proto__=1',
        '[400] unknown field "__proto__"',
        form,
      ],
      ['NaN credits in a form', 'POST', () => '/admin/accounts', 'name=X&credits=NaN', credits, form],
      [
        'a switch of null',
        'PATCH',
        (n) => `/admin/accounts/${n}/options`,
        { widevineEnabled: null },
        '[400] widevineEnabled must be true or false (or on/off)',
        {},
      ],
      [
        'a switch of 1',
        'PATCH',
        (n) => `/admin/accounts/${n}/options`,
        { fairplayEnabled: 1 },
        '[400] fairplayEnabled must be true or false (or on/off)',
        {},
      ],
      [
        'a misspelt option',
        'PATCH',
        (n) => `/admin/accounts/${n}/options`,
        { widevine: false },
        '[400] unknown field "widevine"',
        {},
      ],
      [
        'a label as an object',
        'POST',
        (n) => `/admin/accounts/${n}/authenticators`,
        { environment: 'test', label: { a: 1 } },
        '[400] label must be a string of at most 100 characters',
        {},
      ],
      [
        'an environment list',
        'POST',
        (n) => `/admin/accounts/${n}/authenticators`,
        { environment: ['test'] },
        '[400] environment must be test or production',
        {},
      ],
      [
        'a 20-digit account',
        'GET',
        () => '/admin/accounts/99999999999999999999',
        undefined,
        '[400] give the account number',
        {},
      ],
      [
        'an account past core MAX_ACCOUNT_NUMBER',
        'GET',
        () => '/admin/accounts/2147483648',
        undefined,
        '[400] give the account number',
        {},
      ],
      ['an account 1e3', 'POST', () => '/admin/accounts/1e3/disable', undefined, '[400] give the account number', {}],
      ['an account -1', 'PUT', () => '/admin/accounts/-1/credits', { credits: 1 }, '[400] give the account number', {}],
      [
        'a NaN authenticator id',
        'DELETE',
        (n) => `/admin/accounts/${n}/authenticators/NaN`,
        undefined,
        '[400] give the authenticator id, 1 to 2147483647 (see GET /admin/accounts/{number})',
        {},
      ],
      [
        'a limit given twice',
        'GET',
        () => '/admin/logs?account=1&limit=1&limit=2',
        undefined,
        '[400] limit is given more than once',
        {},
      ],
      [
        'an unknown query field',
        'GET',
        () => '/admin/logs?cookie=x&colour=red',
        undefined,
        '[400] unknown field "colour"',
        {},
      ],
      [
        'a NaN account in the logs',
        'GET',
        () => '/admin/logs?account=NaN',
        undefined,
        '[400] give the account number',
        {},
      ],
      [
        'a limit 1e3',
        'GET',
        () => '/admin/logs?account=1&limit=1e3',
        undefined,
        '[400] the limit must be a whole number from 1 to 1000',
        {},
      ],
    ];

    it.each(cases)('%s: %s', async (_name, method, path, body, message, headers) => {
      const before = await ok(await call('GET', `/admin/accounts/${number}`));
      const count = (await ok(await call('GET', '/admin/accounts'))).length;
      const response = await call(method, path(number), body, ADMIN_API_KEY, headers);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await error(response)).toEqual([400, { code: 400, message }]);
      expect(await ok(await call('GET', `/admin/accounts/${number}`))).toEqual(before);
      expect((await ok(await call('GET', '/admin/accounts'))).length).toBe(count);
    });

    it('an account number up to core MAX_ACCOUNT_NUMBER is a question for the database', async () => {
      expect(await error(await call('GET', '/admin/accounts/2147483647'))).toEqual([
        404,
        { code: 404, message: '[404] no account 2147483647' },
      ]);
    });
  });

  it('is described by the OpenAPI document: tagged admin, bearer key, DTO bodies and parameters', async () => {
    const document: Json = await ok(await fetch(`${tg.baseUrl}/docs/json`));
    const operations = Object.entries(document.paths as Record<string, Record<string, Json>>)
      .filter(([path]) => path.startsWith('/admin/'))
      .flatMap(([path, item]) =>
        Object.entries(item).map(([method, operation]) => ({ at: `${method.toUpperCase()} ${path}`, operation })),
      );
    expect(operations.map((o) => o.at).sort()).toEqual(
      [
        'DELETE /admin/accounts/{number}/authenticators/{id}',
        'GET /admin/accounts',
        'GET /admin/accounts/{number}',
        'GET /admin/logs',
        'GET /admin/usage',
        'PATCH /admin/accounts/{number}/limits',
        'PATCH /admin/accounts/{number}/options',
        'POST /admin/accounts',
        'POST /admin/accounts/{number}/authenticators',
        'POST /admin/accounts/{number}/disable',
        'POST /admin/accounts/{number}/enable',
        'PUT /admin/accounts/{number}/credits',
      ].sort(),
    );
    for (const { at, operation } of operations) {
      expect({ at, tags: operation.tags, security: operation.security, summary: typeof operation.summary }).toEqual({
        at,
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'string',
      });
      expect({ at, 401: operation.responses['401']?.content['application/json'].schema }).toEqual({
        at,
        401: { $ref: '#/components/schemas/AdminErrorJson' },
      });
    }
    const create = document.paths['/admin/accounts'].post;
    expect(Object.keys(create.requestBody.content).sort()).toEqual([
      'application/json',
      'application/x-www-form-urlencoded',
    ]);
    expect(create.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/CreateAccountDto',
    });
    const createDto = document.components.schemas.CreateAccountDto;
    expect(createDto.required).toEqual(['name']);
    expect(Object.keys(createDto.properties)).toEqual(['name', 'credits', 'widevine', 'fairplay', 'clearKey']);
    expect(createDto.properties.name).toMatchObject({ type: 'string', minLength: 1, maxLength: 200 });
    expect(createDto.properties.credits.oneOf[0]).toEqual({ type: 'integer', minimum: 0, maximum: 999999999999999 });
    expect(document.paths['/admin/logs'].get.parameters.map((p: Json) => [p.name, p.in, p.required])).toEqual([
      ['cookie', 'query', false],
      ['tokenId', 'query', false],
      ['account', 'query', false],
      ['limit', 'query', false],
    ]);
    expect(
      document.paths['/admin/accounts/{number}/authenticators/{id}'].delete.parameters.map((p: Json) => [
        p.name,
        p.in,
        p.schema.maximum,
      ]),
    ).toEqual([
      ['number', 'path', 2147483647],
      ['id', 'path', 2147483647],
    ]);
    expect(document.components.schemas.SetOptionsDto.properties).not.toHaveProperty('changes');
    const limitsDto = document.components.schemas.SetLimitsDto;
    expect(Object.keys(limitsDto.properties)).toEqual(['maxStreams', 'streamLimitMode', 'maxDevices', 'deviceWindow']);
    expect(limitsDto.properties.maxStreams.oneOf[0]).toEqual({ type: 'integer', minimum: 1, maximum: 100000 });
    expect(limitsDto.properties.streamLimitMode.enum).toEqual(['deny', 'stopOldest']);
    expect(Object.keys(document.components.schemas.AccountJson.properties)).toEqual(
      expect.arrayContaining(['maxStreams', 'streamLimitMode', 'maxDevices', 'deviceWindow']),
    );
  });

  it.each([
    ['no Authorization header', null, {}],
    ['a wrong key', 'test-admin-key-0123456789abcdeX', {}],
    ['a key of another length', 'short', {}],
    ['another scheme', null, { authorization: `Basic ${Buffer.from(`admin:${ADMIN_API_KEY}`).toString('base64')}` }],
  ])('answers 401 JSON to %s, on every route', async (_name, key, headers) => {
    for (const [method, path] of [
      ['GET', '/admin/accounts'],
      ['POST', '/admin/accounts'],
      ['GET', `/admin/accounts/${number}`],
      ['DELETE', `/admin/accounts/${number}/authenticators/1`],
      ['GET', '/admin/logs?cookie=x'],
    ] as const) {
      const response = await call(method, path, method === 'POST' ? { name: 'Mallory' } : undefined, key, headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="openplay-admin"/);
      expect(((await response.json()) as Json).code).toBe(401);
    }
    expect((await ok(await call('GET', '/admin/accounts'))).some((a: Json) => a.name === 'Mallory')).toBe(false);
  });

  it('keeps JSON bodies away from the token API (415 there)', async () => {
    const response = await fetch(`${tg.baseUrl}/hms/wv/token?errorFormat=json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(await error(response)).toEqual([415, { code: 415, message: '[415] Unsupported media type' }]);
  });
});

describe('admin API without ADMIN_API_KEY', () => {
  const tg = useTokenGen();

  it('does not exist: 404 like any unknown path, with or without a key', async () => {
    for (const headers of [{}, { authorization: 'Bearer test-admin-key-0123456789abcdef' }] as Array<
      Record<string, string>
    >) {
      const response = await fetch(`${tg.baseUrl}/admin/accounts`, { headers });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ code: 404, message: '[404] Not Found' });
    }
  });
});
