// The web UI is built into web/dist and served by Hearth itself (src/http/webApp.ts):
// every script, style and icon comes from the box, nothing from a CDN.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: 'public',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    // No inline assets: the CSP is default-src 'self', and data: URLs would need an exception.
    assetsInlineLimit: 0,
  },
});
