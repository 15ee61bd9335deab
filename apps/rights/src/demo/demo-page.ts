import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The page's own files (index.html, player.js); from src/demo and dist/demo alike, two levels up. */
export const DEMO_PAGE_DIR = path.join(__dirname, '../../demo');

export interface DemoFiles {
  readonly mediaDir: string;
  readonly shakaPlayerFile: string;
}

/**
 * What the demo serves besides its page: the clip in `mediaDir` (made by makeClearKeyClip of @openplay/drm/testing:
 * manifest.mpd, segments, clip.json) and Shaka Player's compiled build (a devDependency: the demo is a dev tool).
 * Throws one line when either is missing, so that the app refuses to start rather than serve a broken page.
 */
export function demoFiles(mediaDir: string): DemoFiles {
  const root = path.resolve(mediaDir);
  if (!existsSync(path.join(root, 'manifest.mpd'))) throw new Error(`DEMO_MEDIA_DIR: no manifest.mpd in ${root}`);
  try {
    return { mediaDir: root, shakaPlayerFile: require.resolve('shaka-player/dist/shaka-player.compiled.js') };
  } catch (error) {
    throw new Error('DEMO_MEDIA_DIR needs shaka-player, a devDependency of rights (npm ci with dev dependencies)', {
      cause: error,
    });
  }
}

/** The Clear Key demo: the page at /demo/, Shaka Player at /demo/shaka/, the clip under /demo/media/. */
export async function serveDemoPage(app: NestFastifyApplication, files: DemoFiles): Promise<void> {
  const common = { decorateReply: false, cacheControl: false, index: false } as const;
  // The page's files as fixed routes (wildcard off), which also answers /demo/ with index.html.
  await app.register(fastifyStatic, {
    ...common,
    root: DEMO_PAGE_DIR,
    prefix: '/demo/',
    wildcard: false,
    index: 'index.html',
  });
  await app.register(fastifyStatic, { ...common, root: files.mediaDir, prefix: '/demo/media/' });
  const shaka = path.basename(files.shakaPlayerFile);
  await app.register(fastifyStatic, {
    ...common,
    root: path.dirname(files.shakaPlayerFile),
    prefix: '/demo/shaka/',
    allowedPath: (pathName) => pathName === `/${shaka}`,
  });
}
