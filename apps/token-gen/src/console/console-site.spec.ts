import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { CONSOLE_CSP, CONSOLE_DIR, serveConsole } from './console-site';

describe('serveConsole', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'openplay-console-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const logger = () => ({ warn: jest.fn() }) as unknown as Logger & { warn: jest.Mock };
  const app = () => ({ register: jest.fn(async () => undefined) }) as unknown as NestFastifyApplication;

  it('looks for the build of apps/console beside token-gen', () => {
    expect(CONSOLE_DIR).toBe(path.resolve(__dirname, '../../../console/dist'));
  });

  it('starts without a build: one warning line, nothing registered', async () => {
    const [log, server] = [logger(), app()];
    expect(await serveConsole(server, log, dir)).toBe(false);
    expect(server.register).not.toHaveBeenCalled();
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn.mock.calls[0][0]).toBe(
      `console not built (no ${path.join(dir, 'index.html')}; npm run build makes it): /console/ is not served`,
    );
  });

  it('serves a build at /console/ with its CSP, hashed assets cached, index.html revalidated', async () => {
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
    const [log, server] = [logger(), app()];
    expect(await serveConsole(server, log, dir)).toBe(true);
    const options = (server.register as jest.Mock).mock.calls[0][1];
    expect(options).toMatchObject({ root: dir, prefix: '/console/', wildcard: false, index: 'index.html' });
    const headersOf = (file: string) => {
      const reply = { headers: jest.fn() };
      options.setHeaders(reply, file);
      return reply.headers.mock.calls[0][0];
    };
    expect(headersOf(path.join(dir, 'assets', 'index-abc.js'))).toEqual({
      'content-security-policy': CONSOLE_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'public, max-age=31536000, immutable',
    });
    expect(headersOf(path.join(dir, 'index.html'))['cache-control']).toBe('no-cache');
    expect(CONSOLE_CSP).not.toMatch(/unsafe|\*|https?:/);
  });
});
