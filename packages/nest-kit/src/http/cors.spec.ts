import 'reflect-metadata';
import { Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { corsOrigins, type CorsPolicy, enableCors } from './cors';
import { createFastifyAdapter } from './fastify-app';

const policy = (origins: CorsPolicy['origins']): CorsPolicy => ({
  origins,
  methods: ['GET', 'POST', 'OPTIONS'],
  allowedHeaders: ['Content-Type', 'ExpressPlayToken'],
  exposedHeaders: ['X-ExpressPlay-Error-Code'],
  maxAge: 600,
});

@Controller()
class LicenceController {
  @Post('rights')
  @HttpCode(200)
  licence(): string {
    return 'licence';
  }

  @Get('token')
  token(): string {
    return 'token';
  }
}

@Module({ controllers: [LicenceController] })
class LicenceModule {}

/** A Nest app on the project's adapter (request guards included), as the apps build theirs. */
async function appWith(origins: CorsPolicy['origins']): Promise<NestFastifyApplication> {
  const adapter = createFastifyAdapter({
    bodyLimit: 1024,
    bodyTypes: [],
    formatOf: () => 'json',
    limits: {
      requestTimeoutMs: 5000,
      headersTimeoutMs: 5000,
      keepAliveTimeoutMs: 5000,
      maxConnections: 100,
      maxHeaderBytes: 16_384,
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(LicenceModule, adapter, { logger: false });
  enableCors(app, policy(origins));
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

const preflight = (app: NestFastifyApplication, url: string, origin: string) =>
  app.inject({
    method: 'OPTIONS',
    url,
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });

describe('enableCors (@fastify/cors through the Nest adapter)', () => {
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

  it("marks answers, errors and the guards' refusals included, readable cross-origin and exposes the error headers", async () => {
    const app = await appWith('*');
    const ok = await app.inject({ method: 'POST', url: '/rights', headers: { origin: 'https://player.example' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('*');
    expect(ok.headers['access-control-expose-headers']).toBe('X-ExpressPlay-Error-Code');
    const missing = await app.inject({ method: 'GET', url: '/nowhere' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['access-control-allow-origin']).toBe('*');
    // HEAD on a route with effects is refused by a request guard before routing reaches the handler.
    const head = await app.inject({ method: 'HEAD', url: '/token', headers: { origin: 'https://player.example' } });
    expect(head.statusCode).toBe(405);
    expect(head.headers['access-control-allow-origin']).toBe('*');
    expect(head.headers['access-control-expose-headers']).toBe('X-ExpressPlay-Error-Code');
    await app.close();
  });

  it('with a list, echoes an origin on it, withholds others, and varies by Origin', async () => {
    const app = await appWith(['https://a.example', 'https://b.example:8443']);
    const allowed = await app.inject({ method: 'POST', url: '/rights', headers: { origin: 'https://b.example:8443' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://b.example:8443');
    expect(allowed.headers.vary).toBe('Origin');
    const other = await app.inject({ method: 'POST', url: '/rights', headers: { origin: 'https://evil.example' } });
    expect(other.statusCode).toBe(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers.vary).toBe('Origin');
    // A refused origin's preflight is still 204, without Allow-Origin: the browser then refuses the request.
    const refused = await preflight(app, '/rights', 'https://evil.example');
    expect(refused.statusCode).toBe(204);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect(refused.headers.vary).toBe('Origin');
    expect((await preflight(app, '/rights', 'https://a.example')).headers['access-control-allow-origin']).toBe(
      'https://a.example',
    );
    await app.close();
  });

  it("answers any OPTIONS 204, not a plain-text 400 outside the API's error shape", async () => {
    const app = await appWith('*');
    const bare = await app.inject({ method: 'OPTIONS', url: '/rights' });
    expect(bare.statusCode).toBe(204);
    await app.close();
  });

  it('reads CORS_ORIGINS as * or a comma-separated list', () => {
    expect(corsOrigins('*')).toBe('*');
    expect(corsOrigins(' https://a.example , https://b.example,')).toEqual(['https://a.example', 'https://b.example']);
  });
});
