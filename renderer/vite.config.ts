/**
 * Renderer build: root `renderer/`, output `dist/renderer`, relative base so
 * the page works under file:// (Electron) and under http (`rcr serve`).
 *
 * No React plugin: Vite's built-in oxc transform compiles TSX with the
 * automatic JSX runtime (no fast refresh in dev, which we do not need).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { injectCspMeta, RENDERER_CSP } from '../shared/csp.ts';

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

/**
 * The page's CSP `<meta>` from `shared/csp.ts` (defined once). The dev server injects <style> tags
 * for CSS, so it allows inline styles in dev only; production keeps `style-src 'self'`.
 */
function csp(): Plugin {
  return {
    name: 'rcr-csp',
    transformIndexHtml: {
      order: 'pre',
      handler: (html, ctx) =>
        injectCspMeta(
          html,
          ctx.server
            ? RENDERER_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
            : RENDERER_CSP,
        ),
    },
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [csp(), stripCrossorigin()],
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
