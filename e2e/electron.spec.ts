/**
 * The real Electron shell: window content, sandboxed bridge, and window security.
 *
 * Needs an Electron binary (`ELECTRON_PATH`, or `node_modules/electron/dist`
 * from an `npm ci` without `ELECTRON_SKIP_BINARY_DOWNLOAD`) and a prior
 * `npm run build`. Without a binary every test here is reported as skipped
 * with the reason; a missing build is a failure, not a skip.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ElectronApplication, Page } from '@playwright/test';
import { _electron, expect, test as base } from '@playwright/test';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mainBundle = path.join(root, 'dist', 'electron', 'main.cjs');
const rendererHtml = path.join(root, 'dist', 'renderer', 'index.html');
const SKIP_REASON = 'skipped: no Electron binary (set ELECTRON_PATH or install electron with its binary)';

/** The Electron executable: `ELECTRON_PATH`, else the one `npm ci` unpacks into node_modules/electron/dist. */
function findElectronBinary(): string | null {
  const fromEnv = process.env.ELECTRON_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  const moduleDir = path.join(root, 'node_modules', 'electron');
  const pathTxt = path.join(moduleDir, 'path.txt');
  const relative = existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8').trim() : 'electron';
  const executable = path.join(moduleDir, 'dist', relative);
  return existsSync(executable) ? executable : null;
}

const electronBinary = findElectronBinary();
// Say it in the run's output too, not only in the report: a skip must never look like a pass.
if (electronBinary === null) console.warn(`e2e/electron.spec.ts: ${SKIP_REASON}`);

/** The bits of the page's `window` these tests touch (the e2e tsconfig has no DOM lib). */
interface PageWindow {
  open(url: string, target?: string): unknown;
  location: { href: string };
}

interface LaunchedApp {
  electronApp: ElectronApplication;
  page: Page;
  dataDir: string;
}

/** Each test gets its own data folder and its own app instance. */
const test = base.extend<{ app: LaunchedApp }>({
  // Playwright reads fixture dependencies from the destructuring pattern, so it must be `{}`.
  // eslint-disable-next-line no-empty-pattern
  app: async ({}, use) => {
    expect(existsSync(mainBundle), `${mainBundle} is missing: run \`npm run build\` first`).toBe(true);
    expect(existsSync(rendererHtml), `${rendererHtml} is missing: run \`npm run build\` first`).toBe(true);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rcr-e2e-'));
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        (e): e is [string, string] =>
          e[1] !== undefined && e[0] !== 'RCR_RENDERER_URL' && e[0] !== 'RCR_DATA_DIR',
      ),
    );
    // Chromium's OS sandbox refuses to start as root (containers/CI); the renderer's
    // `sandbox: true` web preference is a separate setting and stays on.
    const chromiumArgs = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
    const electronApp = await _electron.launch({
      executablePath: electronBinary as string,
      args: [...chromiumArgs, mainBundle, `--data-dir=${dataDir}`],
      env,
      cwd: root,
    });
    try {
      const page = await electronApp.firstWindow();
      await use({ electronApp, page, dataDir });
    } finally {
      await electronApp.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
});

test.describe('electron shell', () => {
  test.skip(electronBinary === null, SKIP_REASON);

  test('shows the fleet table with a seeded flag', async ({ app }) => {
    const fleet = app.page.getByRole('table', { name: 'Fleet' });
    await expect(fleet).toBeVisible();
    await expect(fleet.locator('[data-flag-key="ai-answer-assist"]').first()).toBeVisible();
  });

  test('the page is sandboxed and sees only window.rcr', async ({ app }) => {
    const globals = await app.page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      rcr: Object.keys((globalThis as unknown as { rcr: object }).rcr).sort(),
    }));
    expect(globals).toEqual({ require: 'undefined', process: 'undefined', rcr: ['invoke', 'on'] });
  });

  test('window.open is denied and opens no window', async ({ app }) => {
    const opened = await app.page.evaluate(() => {
      const win = globalThis as unknown as PageWindow;
      return [win.open('about:blank') === null, win.open('file:///etc/hosts', '_blank') === null];
    });
    expect(opened).toEqual([true, true]);
    await app.page.waitForTimeout(500);
    expect(app.electronApp.windows()).toHaveLength(1);
  });

  test('navigation to another origin is blocked', async ({ app }) => {
    const before = app.page.url();
    expect(before.startsWith('file:')).toBe(true);
    await app.page.evaluate(() => {
      (globalThis as unknown as PageWindow).location.href = 'https://example.invalid/';
    });
    await app.page.waitForTimeout(1000);
    expect(app.page.url()).toBe(before);
    await expect(app.page.getByRole('table', { name: 'Fleet' })).toBeVisible();
  });
});
