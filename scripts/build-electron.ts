/**
 * Bundle the Electron main process and preload with Vite's build API (rolldown).
 *
 *   electron/shell/main.ts    → dist/electron/main.cjs     (externals: electron, better-sqlite3, node builtins)
 *   electron/shell/preload.ts → dist/electron/preload.cjs  (externals: electron only)
 *   electron/core/metrics/metric-parse-worker.ts → dist/electron/metric-parse-worker.cjs
 *
 * Both are single CommonJS files. The preload must be: a sandboxed preload can
 * only `require('electron')` (and a few polyfilled builtins), so after building
 * this script fails if the preload requires anything else.
 *
 * Usage: `node scripts/build-electron.ts` (part of `npm run build`). Exits 1 on failure.
 */
import { readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist', 'electron');

const NODE_BUILTINS = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

interface Target {
  entry: string;
  fileName: string;
  external: string[];
}

const TARGETS: Target[] = [
  {
    entry: 'electron/shell/main.ts',
    fileName: 'main.cjs',
    // better-sqlite3 is native: it must load its prebuilt .node from node_modules at runtime.
    external: ['electron', 'better-sqlite3', ...NODE_BUILTINS],
  },
  { entry: 'electron/shell/preload.ts', fileName: 'preload.cjs', external: ['electron'] },
  {
    // Worker thread of the metric-event import (electron/core/metrics/metric-batch-reader.ts
    // looks for it next to the main bundle).
    entry: 'electron/core/metrics/metric-parse-worker.ts',
    fileName: 'metric-parse-worker.cjs',
    external: NODE_BUILTINS,
  },
];

/** Bundle one entry to one CJS file in dist/electron. Rejects on a build error. */
async function bundle(target: Target): Promise<void> {
  const externals = new Set(target.external);
  await build({
    configFile: false,
    root,
    publicDir: false,
    logLevel: 'warn',
    // Node-side code: resolve packages with their `node` export conditions, not `browser`.
    resolve: { conditions: ['node', 'import', 'require', 'default'], mainFields: ['module', 'main'] },
    ssr: { noExternal: true, target: 'node' },
    build: {
      ssr: target.entry,
      outDir,
      emptyOutDir: false,
      target: 'node22',
      minify: false,
      sourcemap: false,
      copyPublicDir: false,
      reportCompressedSize: false,
      rolldownOptions: {
        input: target.entry,
        external: (id) => externals.has(id) || [...externals].some((e) => id.startsWith(`${e}/`)),
        output: {
          format: 'cjs',
          entryFileNames: target.fileName,
          codeSplitting: false,
          exports: 'auto',
        },
      },
    },
  });
}

/** `require("x")` specifiers in a CommonJS bundle, sorted and unique. */
function requiredModules(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  const found = new Set<string>();
  for (const match of code.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)) found.add(match[1] as string);
  return [...found].sort();
}

async function main(): Promise<void> {
  for (const target of TARGETS) await bundle(target);

  for (const target of TARGETS) {
    const file = path.join(outDir, target.fileName);
    const kib = (statSync(file).size / 1024).toFixed(1);
    console.log(
      `built ${path.relative(root, file)} (${kib} KiB), requires: ${requiredModules(file).join(', ')}`,
    );
  }

  const preloadRequires = requiredModules(path.join(outDir, 'preload.cjs'));
  const extra = preloadRequires.filter((m) => m !== 'electron');
  if (extra.length > 0) {
    throw new Error(`preload.cjs must require only "electron" but also requires: ${extra.join(', ')}`);
  }
}

main().catch((error: unknown) => {
  console.error(`build-electron: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
