/**
 * Vite build of the dashboard page: `npx vite build --config pipeline/dashboard/web/vite.config.ts`
 * from the repository root writes `dist/dashboard/` (served by the dashboard server at `/`).
 * `npx vite --config pipeline/dashboard/web/vite.config.ts` serves the page in development and
 * proxies the API to a running server (`SENTINEL_URL`, default http://127.0.0.1:8787).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const apiTarget = process.env['SENTINEL_URL'] ?? 'http://127.0.0.1:8787';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../../../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 200,
  },
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
    },
  },
});
