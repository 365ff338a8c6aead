/**
 * A private copy of the built renderer for browser benches, so a rebuild of
 * `dist/renderer` by someone else during a run cannot change what is measured.
 *
 * Copies `dist/renderer` when it is built; otherwise (or with
 * `BENCH_RENDERER_BUILD=1`) builds it with Vite straight into a temp folder.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const DIST = path.join(REPO_ROOT, 'dist', 'renderer');

/** Chromium for Playwright (Debian's; override with `CHROMIUM_PATH`). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking'];

export interface RendererCopy {
  dir: string;
  /** `copied dist/renderer (built <time>)` or `built fresh`. */
  source: string;
  dispose(): void;
}

/** True when one of the built bundle's JS files contains `text`. */
function bundleHas(dir: string, text: string): boolean {
  const assets = path.join(dir, 'assets');
  if (!fs.existsSync(assets)) return false;
  return fs
    .readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .some((f) => fs.readFileSync(path.join(assets, f), 'utf8').includes(text));
}

/**
 * @param requireText when given, `dist/renderer` is only copied if its bundle contains this
 *   text (e.g. a label of the feature the bench drives); otherwise a fresh build is made.
 */
export async function rendererCopy(requireText?: string): Promise<RendererCopy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-bench-renderer-'));
  const dispose = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const index = path.join(DIST, 'index.html');
    if (
      process.env.BENCH_RENDERER_BUILD !== '1' &&
      fs.existsSync(index) &&
      (requireText === undefined || bundleHas(DIST, requireText))
    ) {
      fs.cpSync(DIST, dir, { recursive: true });
      return {
        dir,
        source: `copy of dist/renderer (built ${fs.statSync(index).mtime.toISOString()})`,
        dispose,
      };
    }
    const config = path.join(REPO_ROOT, 'renderer', 'vite.config.ts');
    if (!fs.existsSync(config)) throw new Error(`the renderer is not built and ${config} is missing`);
    await promisify(execFile)(
      path.join(REPO_ROOT, 'node_modules', '.bin', 'vite'),
      ['build', '--config', config, '--outDir', dir, '--emptyOutDir', '--logLevel', 'warn'],
      { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 },
    );
    return { dir, source: 'built fresh with vite', dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}
