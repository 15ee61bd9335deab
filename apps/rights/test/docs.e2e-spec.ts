import { useStack } from './support/stack';

type Json = any;

describe('OpenAPI documents of both apps (/docs/json, /docs)', () => {
  const stack = useStack();

  const fetchDocument = async (base: string): Promise<Json> => {
    const response = await fetch(`${base}/docs/json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const document: Json = await response.json();
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info).toMatchObject({ title: expect.stringMatching(/^openplay /), version: expect.any(String) });
    return document;
  };

  it('token-gen describes its token endpoints, record retrieval and the admin API', async () => {
    const document = await fetchDocument(stack.tokenGenUrl);
    for (const [path, method] of [
      ['/hms/wv/token', 'get'],
      ['/hms/wv/token', 'post'],
      ['/hms/fp/token', 'get'],
      ['/hms/ck/token', 'get'],
      ['/hms/ck/token', 'post'],
      ['/cmiapi/getrecord', 'get'],
      ['/admin/accounts', 'post'],
      ['/admin/accounts/{number}/credits', 'put'],
      ['/admin/logs', 'get'],
      ['/admin/usage', 'get'],
      ['/cmiapi/usage', 'get'],
    ]) {
      expect(document.paths[path]?.[method]).toBeDefined();
    }
    const wv = (document.paths['/hms/wv/token'].get.parameters as Json[]).map((p) => p.name);
    const fp = (document.paths['/hms/fp/token'].get.parameters as Json[]).map((p) => p.name);
    expect(wv).toEqual(
      expect.arrayContaining([
        'customerAuthenticator',
        'errorFormat',
        'kid',
        'contentKey',
        'securityLevel',
        'hdcpOutputControl',
        'wvExtension',
        'cookie',
        'expirationTime',
      ]),
    );
    expect(fp).toEqual(
      expect.arrayContaining(['customerAuthenticator', 'iv', 'rentalDuration', 'fpExtension', 'rightsType']),
    );
    expect(fp).not.toContain('securityLevel');
    // Generated from core's rule rows: the description ends in the row's codes.
    const securityLevel = (document.paths['/hms/wv/token'].get.parameters as Json[]).find(
      (p) => p.name === 'securityLevel',
    );
    expect(securityLevel).toMatchObject({
      in: 'query',
      required: true,
      description: expect.stringMatching(/Codes: missing or empty -7003; invalid -7004\.$/),
    });
    const form = document.paths['/hms/fp/token'].post.requestBody.content['application/x-www-form-urlencoded'].schema;
    expect(form.required).toEqual(['customerAuthenticator', 'iv']);
    expect(form.properties.fpExtension).toMatchObject({ type: 'array' });
    expect(document.paths['/hms/wv/token'].get.responses['400'].content['application/json'].schema).toMatchObject({
      required: ['code', 'message'],
    });
    expect(document.paths['/hms/{drm}/token']).toBeUndefined();
    expect(document.paths['/cmiapi/getrecord'].get.parameters.map((p: Json) => p.name)).toEqual(
      expect.arrayContaining(['customerAuthenticator', 'cookie', 'id', 'start', 'length']),
    );
    // Clear Key: the key rules, expiry and cookie; the license restrictions listed as refused (-8002).
    const ck = document.paths['/hms/ck/token'].get.parameters as Json[];
    expect(ck.map((p) => p.name)).toEqual(
      expect.arrayContaining(['customerAuthenticator', 'kid', 'kek', 'ek', 'contentKey', 'expirationTime', 'cookie']),
    );
    expect(ck.map((p) => p.name)).not.toContain('iv');
    expect(ck.find((p) => p.name === 'kid')).toMatchObject({ required: true });
    expect(ck.find((p) => p.name === 'securityLevel')).toMatchObject({
      required: false,
      description: expect.stringMatching(/^Refused on Clear Key.*Codes: invalid or empty -8002\.$/),
    });
    expect(document.paths['/hms/ck/token'].post.operationId).toBe('postClearKeyToken');
    expect(document.paths['/admin/logs'].get.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/admin/usage'].get.security).toEqual([{ bearer: [] }]);
    expect((document.paths['/cmiapi/usage'].get.parameters as Json[]).map((p) => p.name)).toEqual([
      'errorFormat',
      'customerAuthenticator',
      'from',
      'to',
      'drm',
    ]);
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('rights describes its redemption endpoints', async () => {
    const document = await fetchDocument(stack.rightsUrl);
    expect(document.paths['/hms/wv/rights'].post).toMatchObject({
      tags: ['widevine'],
      parameters: [expect.objectContaining({ name: 'ExpressPlayToken' })],
    });
    expect(Object.keys(document.paths['/hms/fp/rights'].post.requestBody.content)).toEqual([
      'application/octet-stream',
      'application/x-www-form-urlencoded',
      'application/json',
    ]);
    expect(document.paths['/hms/fp/cert'].get).toBeDefined();
    expect(document.paths['/hms/ck/rights'].post).toMatchObject({
      tags: ['clearkey'],
      parameters: [expect.objectContaining({ name: 'ExpressPlayToken' })],
      requestBody: { content: { 'application/json': expect.any(Object) } },
    });
  });

  it('both serve Swagger UI at /docs with its assets', async () => {
    for (const base of [stack.tokenGenUrl, stack.rightsUrl]) {
      const page = await fetch(`${base}/docs`);
      expect(page.status).toBe(200);
      // @nestjs/swagger's page declares its charset in a meta tag, not in the header.
      expect(page.headers.get('content-type')).toMatch(/^text\/html\b/);
      const html = await page.text();
      expect(html).toMatch(/<meta charset="UTF-8">/i);
      // The page's script carries the document (the one /docs/json serves).
      expect(html).toContain('/docs/swagger-ui-init.js');
      const init = await fetch(`${base}/docs/swagger-ui-init.js`);
      expect(init.status).toBe(200);
      expect(await init.text()).toMatch(/"openapi":\s*"3\./);
      for (const asset of [
        '/docs/swagger-ui.css',
        '/docs/swagger-ui-bundle.js',
        '/docs/swagger-ui-standalone-preset.js',
      ]) {
        expect(html).toContain(asset);
        const response = await fetch(`${base}${asset}`);
        expect(response.status).toBe(200);
        expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1000);
      }
    }
  });
});
