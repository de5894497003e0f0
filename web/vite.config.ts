// The web UI is built into web/dist and served by Hearth itself (src/http/webApp.ts):
// every script, style and icon comes from the box, nothing from a CDN.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

/**
 * JSMpeg's bundle injects a <style> for a player UI we don't use; the CSP (style-src 'self')
 * refuses it and the browser logs an error. Drop that one call at build time.
 */
const jsmpegWithoutInlineStyle = {
  name: 'jsmpeg-without-inline-style',
  transform(code: string, id: string) {
    if (!id.includes('jsmpeg-player')) return null;
    return { code: code.replace(/styleInject\(css_248z\);/, ''), map: null };
  },
};

export default defineConfig({
  plugins: [jsmpegWithoutInlineStyle],
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
