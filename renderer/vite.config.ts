/**
 * Renderer build: root `renderer/`, output `dist/renderer`, relative base so
 * the page works under file:// (Electron) and under http (`rcr serve`).
 *
 * No React plugin: Vite's built-in oxc transform compiles TSX with the
 * automatic JSX runtime (no fast refresh in dev, which we do not need).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/renderer', import.meta.url));

/** Module scripts loaded from file:// must not be requested in CORS mode. */
function stripCrossorigin(): Plugin {
  return {
    name: 'rcr-strip-crossorigin',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: (html) => html.replace(/\s+crossorigin(?:="[^"]*")?/g, ''),
    },
  };
}

/** The dev server injects <style> tags for CSS; allow them in dev only. Production keeps `style-src 'self'`. */
function devCsp(): Plugin {
  return {
    name: 'rcr-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [stripCrossorigin(), devCsp()],
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'chrome130',
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
  },
  server: { host: '127.0.0.1', strictPort: false },
});
