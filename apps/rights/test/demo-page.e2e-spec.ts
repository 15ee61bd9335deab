import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateRightsConfig } from '../src/config/rights.config';
import { createCryptoImplementation } from '../src/drm/drm.module';
import { createRightsApp } from '../src/main';
import { useStack } from './support/stack';

// The files of a clip as makeClearKeyClip writes them; their content does not matter to the route.
const mediaDir = mkdtempSync(path.join(tmpdir(), 'openplay-demo-media-'));
writeFileSync(path.join(mediaDir, 'manifest.mpd'), '<?xml version="1.0"?><MPD/>\n');
writeFileSync(path.join(mediaDir, 'video-1.m4s'), Buffer.from('moof'));
writeFileSync(path.join(mediaDir, 'clip.json'), '{"kid":"fb2a3c5e3b1c4f8a9d0e7b6c5a493827"}\n');
afterAll(() => rmSync(mediaDir, { recursive: true, force: true }));

describe('rights: the Clear Key demo page at /demo/ with DEMO_MEDIA_DIR', () => {
  const stack = useStack(() => ({ DEMO_MEDIA_DIR: mediaDir }));
  const get = (url: string) => fetch(`${stack.rightsUrl}${url}`);

  it('serves the page, its script and Shaka Player', async () => {
    for (const url of ['/demo/', '/demo']) {
      const page = await get(url);
      expect([url, page.status, page.status === 200 ? '' : await page.clone().text()]).toEqual([url, 200, '']);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await page.text();
      expect(html).toContain('<script src="shaka/shaka-player.compiled.js"></script>');
      expect(html).toContain('<script src="player.js"></script>');
    }
    const script = await get('/demo/player.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^(application|text)\/javascript/);
    expect(await script.text()).toContain('player.configure({ drm: { servers: { [keySystem]: rightsUrl } } });');
    const shaka = await get('/demo/shaka/shaka-player.compiled.js');
    expect(shaka.status).toBe(200);
    expect(await shaka.text()).toContain('shaka');
  });

  it('serves the clip under /demo/media/', async () => {
    const manifest = await get('/demo/media/manifest.mpd');
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get('content-type')).toMatch(/^application\/dash\+xml/);
    expect(await manifest.text()).toContain('<MPD/>');
    const segment = await get('/demo/media/video-1.m4s');
    expect(segment.status).toBe(200);
    expect(Buffer.from(await segment.arrayBuffer()).toString()).toBe('moof');
    expect(((await (await get('/demo/media/clip.json')).json()) as { kid: string }).kid).toHaveLength(32);
  });

  it('serves nothing else: other files of Shaka, missing files, paths out of the directories', async () => {
    for (const url of [
      '/demo/shaka/shaka-player.compiled.debug.js',
      '/demo/media/audio-9.m4s',
      '/demo/media/../../package.json',
      '/demo/media/%2e%2e/%2e%2e/package.json',
      '/demo/../package.json',
    ]) {
      expect([url, (await get(url)).status]).toEqual([url, 404]);
    }
  });
});

describe('rights without DEMO_MEDIA_DIR', () => {
  const stack = useStack();

  it('has no /demo/: 404 in the API error shape', async () => {
    for (const url of ['/demo/', '/demo/player.js', '/demo/media/manifest.mpd']) {
      const response = await fetch(`${stack.rightsUrl}${url}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(((await response.json()) as { code: number }).code).toBe(404);
    }
  });

  it('refuses to start when DEMO_MEDIA_DIR holds no clip', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'openplay-demo-empty-'));
    try {
      const config = validateRightsConfig({
        DATABASE_URL: 'postgresql://unused@127.0.0.1:1/none',
        LOG_LEVEL: 'silent',
        DEMO_MEDIA_DIR: empty,
      });
      await expect(createRightsApp(config, createCryptoImplementation(config))).rejects.toThrow(
        `DEMO_MEDIA_DIR: no manifest.mpd in ${empty}`,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
