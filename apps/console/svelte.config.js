import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

// TypeScript in <script lang="ts"> for the Svelte compiler and svelte-check.
export default { preprocess: vitePreprocess() };
