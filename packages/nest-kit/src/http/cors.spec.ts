import Fastify, { type FastifyInstance } from 'fastify';
import { corsOrigins, type CorsPolicy, registerCors } from './cors';

const policy = (origins: CorsPolicy['origins']): CorsPolicy => ({
  origins,
  methods: ['GET', 'POST', 'OPTIONS'],
  allowedHeaders: ['Content-Type', 'ExpressPlayToken'],
  exposedHeaders: ['X-ExpressPlay-Error-Code'],
  maxAge: 600,
});

async function appWith(origins: CorsPolicy['origins']): Promise<FastifyInstance> {
  const app = Fastify();
  registerCors(app, policy(origins));
  app.post('/rights', async () => 'licence');
  await app.ready();
  return app;
}

const preflight = (app: FastifyInstance, url: string, origin: string) =>
  app.inject({ method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });

describe('registerCors', () => {
  it('answers a preflight 204 with the policy, for any origin under *', async () => {
    const app = await appWith('*');
    const response = await preflight(app, '/rights?ExpressPlayToken=x', 'https://player.example');
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'Content-Type, ExpressPlayToken',
      'access-control-max-age': '600',
    });
    // Routing never sees a preflight: a path with no OPTIONS route (or none at all) is answered the same.
    expect((await preflight(app, '/nowhere', 'https://player.example')).statusCode).toBe(204);
    await app.close();
  });

  it('marks answers, errors included, readable cross-origin and exposes the error headers', async () => {
    const app = await appWith('*');
    const ok = await app.inject({ method: 'POST', url: '/rights', headers: { origin: 'https://player.example', 'content-type': 'text/plain' }, payload: 'x' });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('*');
    expect(ok.headers['access-control-expose-headers']).toBe('X-ExpressPlay-Error-Code');
    const missing = await app.inject({ method: 'GET', url: '/nowhere' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['access-control-allow-origin']).toBe('*');
    await app.close();
  });

  it('with a list, echoes an origin on it, withholds others, and varies by Origin', async () => {
    const app = await appWith(['https://a.example', 'https://b.example:8443']);
    const allowed = await app.inject({ method: 'POST', url: '/rights', headers: { origin: 'https://b.example:8443', 'content-type': 'text/plain' }, payload: 'x' });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://b.example:8443');
    expect(allowed.headers.vary).toBe('Origin');
    const other = await app.inject({ method: 'POST', url: '/rights', headers: { origin: 'https://evil.example', 'content-type': 'text/plain' }, payload: 'x' });
    expect(other.statusCode).toBe(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers.vary).toBe('Origin');
    const refused = await preflight(app, '/rights', 'https://evil.example');
    expect(refused.statusCode).toBe(204);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect(refused.headers['access-control-allow-methods']).toBeUndefined();
    expect((await preflight(app, '/rights', 'https://a.example')).headers['access-control-allow-origin']).toBe('https://a.example');
    await app.close();
  });

  it('reads CORS_ORIGINS as * or a comma-separated list', () => {
    expect(corsOrigins('*')).toBe('*');
    expect(corsOrigins(' https://a.example , https://b.example,')).toEqual(['https://a.example', 'https://b.example']);
  });
});
