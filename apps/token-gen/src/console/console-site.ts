import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';

/** The console's build (apps/console, `vite build`): from src/console and dist/console alike, three levels up. */
export const CONSOLE_DIR = path.resolve(__dirname, '../../../console/dist');

/**
 * The console is a static single-page app that talks only to this origin's own API: scripts, styles, images and
 * calls from here only, no inline script or style, no framing, no plugins, forms post nowhere else.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the console at /console/. Asset names carry a content hash, so they are
 * cached for a year; index.html is revalidated each time so that a new build shows at once. Without a build (a
 * checkout where `npm run build` has not run, or an image built without it) token-gen starts all the same, says so
 * in one log line, and /console/ answers 404 like any unknown path.
 */
export async function serveConsole(
  app: NestFastifyApplication,
  logger: Logger,
  dir: string = CONSOLE_DIR,
): Promise<boolean> {
  if (!existsSync(path.join(dir, 'index.html'))) {
    logger.warn(
      `console not built (no ${path.join(dir, 'index.html')}; npm run build makes it): /console/ is not served`,
    );
    return false;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/console/',
    // One route per file of the build, found at start (the build does not change under a running server); this also
    // answers /console/ (and /console: the router ignores trailing slashes) with index.html.
    wildcard: false,
    index: 'index.html',
    decorateReply: false,
    cacheControl: false,
    setHeaders: (reply, file) => {
      void reply.headers({
        'content-security-policy': CONSOLE_CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': file.includes(`${path.sep}assets${path.sep}`)
          ? 'public, max-age=31536000, immutable'
          : 'no-cache',
      });
    },
  });
  return true;
}
