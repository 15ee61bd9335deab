import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// token-gen serves dist/ at /console/ (apps/token-gen/src/console), so every asset URL starts there. No CDN: the
// build bundles everything, and token-gen's CSP allows only its own origin.
export default defineConfig({
  base: '/console/',
  plugins: [svelte()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 300 },
  // `npm run dev` (vite on :5173) proxies the API to a token-gen on :8080.
  server: {
    proxy: Object.fromEntries(
      ['/admin', '/cmiapi', '/keystore'].map((path) => [path, { target: 'http://127.0.0.1:8080' }]),
    ),
  },
});
