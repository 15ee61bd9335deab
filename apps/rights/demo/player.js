// The Clear Key page that rights serves at /demo/ (DEMO_MEDIA_DIR) and the browser e2e test drives: plays the DASH
// clip beside it (media/manifest.mpd) with Shaka Player, the license coming from the rights URL token-gen answered.
// Query: ?license=<rights URL> starts playback; &keySystem=<EME key system> (default org.w3.clearkey) and
// &manifest=<URL> change what is played. What happens is kept in window.openplay for the test to read.
(function () {
  'use strict';
  const params = new URLSearchParams(location.search);
  const keySystem = params.get('keySystem') || 'org.w3.clearkey';
  const manifestUri = params.get('manifest') || 'media/manifest.mpd';
  const state = (window.openplay = { phase: 'idle', errors: [], exchanges: [], videoError: null });
  const $ = (id) => document.getElementById(id);
  const video = $('video');

  const setPhase = (phase, text) => {
    state.phase = phase;
    $('status').dataset.phase = phase;
    $('status').textContent = text || phase;
  };

  // shaka.util.Error as plain data (nested errors, HTTP status and body included), for the page and the test.
  const plain = (value, depth = 0) => {
    if (depth > 4 || value === null || value === undefined) return value ?? null;
    if (value instanceof shaka.util.Error) {
      return {
        code: value.code,
        category: value.category,
        severity: value.severity,
        data: value.data.map((item) => plain(item, depth + 1)),
      };
    }
    if (value instanceof Error || value instanceof DOMException) return { name: value.name, message: value.message };
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return `<${value.byteLength} bytes>`;
    if (typeof value === 'object') return depth > 1 ? '[object]' : JSON.parse(JSON.stringify(value));
    return value;
  };

  const reportError = (error) => {
    const entry = plain(error);
    state.errors.push(entry);
    $('errors').textContent = state.errors.map((e) => JSON.stringify(e, null, 1)).join('\n');
    setPhase('failed', `error ${entry.code ?? entry.name}`);
  };

  video.addEventListener('error', () => {
    state.videoError = { code: video.error && video.error.code, message: video.error && video.error.message };
    setPhase('failed', `media error ${state.videoError.code}: ${state.videoError.message}`);
  });
  video.addEventListener('playing', () => setPhase('playing'));

  const text = (data) => new TextDecoder().decode(data);

  async function play(rightsUrl) {
    shaka.polyfill.installAll();
    if (!shaka.Player.isBrowserSupported()) return reportError({ code: 'browser not supported by Shaka' });
    setPhase('loading');
    const player = new shaka.Player();
    await player.attach(video);
    // The Clear Key configuration of the README: the rights URL from token-gen is the license server.
    player.configure({ drm: { servers: { [keySystem]: rightsUrl } } });
    $('config').textContent =
      `player.configure({ drm: { servers: { '${keySystem}': '${rightsUrl}' } } });\n` +
      `await player.load('${manifestUri}');`;
    player.addEventListener('error', (event) => reportError(event.detail));

    const LICENSE = shaka.net.NetworkingEngine.RequestType.LICENSE;
    const engine = player.getNetworkingEngine();
    engine.registerRequestFilter((type, request) => {
      if (type !== LICENSE) return;
      state.exchanges.push({ uri: request.uris[0], request: text(request.body), status: null, response: null });
      showExchanges();
    });
    engine.registerResponseFilter((type, response) => {
      if (type !== LICENSE) return;
      const exchange = state.exchanges[state.exchanges.length - 1];
      exchange.status = response.status ?? null;
      try {
        const body = JSON.parse(text(response.data));
        // The keys themselves stay off the page.
        for (const key of body.keys || []) key.k = `<${key.k ? key.k.length : 0} characters>`;
        exchange.response = body;
      } catch {
        exchange.response = `<${response.data.byteLength} bytes, not JSON>`;
      }
      showExchanges();
    });

    try {
      await player.load(manifestUri);
      await video.play();
    } catch (error) {
      // load() rejects with the error the 'error' event also carries, and play() with an interruption once the
      // media failed: each failure is reported once.
      const known =
        error instanceof shaka.util.Error ? state.errors.some((e) => e.code === error.code) : state.phase === 'failed';
      if (!known) reportError(error);
    }
  }

  function showExchanges() {
    $('exchanges').textContent = state.exchanges
      .map((e) => `POST ${e.uri}\n${e.request}\n→ ${e.status ?? '…'} ${JSON.stringify(e.response)}`)
      .join('\n\n');
  }

  async function showTokenRequest() {
    try {
      const clip = await (await fetch(new URL('clip.json', new URL(manifestUri, location.href)))).json();
      $('token-request').textContent =
        `GET /hms/ck/token?customerAuthenticator=…&kid=${clip.kid}&contentKey=…` +
        `\n→ ${params.get('license') || '<the rights URL>'}`;
    } catch {
      // No clip.json beside the manifest: the generic line stays.
    }
  }

  $('license-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const url = new URL(location.href);
    url.searchParams.set('license', $('license').value.trim());
    location.href = url.href;
  });
  void showTokenRequest();
  const license = params.get('license');
  if (license) {
    $('license').value = license;
    void play(license);
  }
})();
