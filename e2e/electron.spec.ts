/**
 * The real Electron shell: window content, sandboxed bridge, and window security.
 *
 * Needs an Electron binary (`ELECTRON_PATH`, or `node_modules/electron/dist`
 * from an `npm ci` without `ELECTRON_SKIP_BINARY_DOWNLOAD`) and a prior
 * `npm run build`. Without a binary every test here is reported as skipped
 * with the reason; a missing build is a failure, not a skip.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ELECTRON_SKIP_REASON, electronBinary, expect, spawnElectron, test } from './fixtures.ts';

// Say it in the run's output too, not only in the report: a skip must never look like a pass.
// Once, from the runner process (the workers that run the skipped tests load this file too).
if (electronBinary === null && process.env.TEST_WORKER_INDEX === undefined)
  console.warn(`e2e/electron.spec.ts: ${ELECTRON_SKIP_REASON}`);

/** The bits of the page's `window` these tests touch (the e2e tsconfig has no DOM lib). */
interface PageWindow {
  open(url: string, target?: string): unknown;
  location: { href: string };
}

const DEEP_LINK = 'rcr://flag/local/production/ai-answer-assist';
const FLAG_HASH = '#/flag/local/production/ai-answer-assist';

/** The bits of `window.rcr` these tests call (the e2e tsconfig has no DOM lib). */
interface RcrBridge {
  invoke(
    channel: string,
    input: unknown,
  ): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }>;
}

// Each test gets its own data folder and its own app instance (the `electronApp` fixture), or
// launches the app itself on a folder it prepared (`launchElectron`); both skip without a binary.
test.describe('electron shell', () => {
  test('shows the fleet table with a seeded flag', async ({ electronApp: app }) => {
    const fleet = app.page.getByRole('table', { name: 'Fleet' });
    await expect(fleet).toBeVisible();
    await expect(fleet.locator('[data-flag-key="ai-answer-assist"]').first()).toBeVisible();
  });

  test('the page is sandboxed and sees only window.rcr', async ({ electronApp: app }) => {
    const globals = await app.page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      rcr: Object.keys((globalThis as unknown as { rcr: object }).rcr).sort(),
    }));
    expect(globals).toEqual({ require: 'undefined', process: 'undefined', rcr: ['invoke', 'on'] });
  });

  test('window.open is denied and opens no window', async ({ electronApp: app }) => {
    const opened = await app.page.evaluate(() => {
      const win = globalThis as unknown as PageWindow;
      return [win.open('about:blank') === null, win.open('file:///etc/hosts', '_blank') === null];
    });
    expect(opened).toEqual([true, true]);
    await app.page.waitForTimeout(500);
    expect(app.electronApp.windows()).toHaveLength(1);
  });

  test('navigation to another origin is blocked', async ({ electronApp: app }) => {
    const before = app.page.url();
    expect(before.startsWith('file:')).toBe(true);
    await app.page.evaluate(() => {
      (globalThis as unknown as PageWindow).location.href = 'https://example.invalid/';
    });
    await app.page.waitForTimeout(1000);
    expect(app.page.url()).toBe(before);
    await expect(app.page.getByRole('table', { name: 'Fleet' })).toBeVisible();
  });

  test('rollback through IPC: the action is applied, audited and confirmed', async ({ electronApp: app }) => {
    await expect(app.page.getByRole('table', { name: 'Fleet' })).toBeVisible();
    const result = await app.page.evaluate(() =>
      (globalThis as unknown as { rcr: RcrBridge }).rcr.invoke('flag.rollback', {
        ref: { provider: 'local', environment: 'production', key: 'ai-answer-assist' },
        mode: 'kill',
        reason: 'e2e rollback through IPC',
      }),
    );
    expect(result).toMatchObject({ ok: true, value: { flag: { layers: { enabled: false } } } });
  });

  test('a malformed IPC request gets BAD_INPUT, not an exception', async ({ electronApp: app }) => {
    const results = await app.page.evaluate(async () => {
      const rcr = (globalThis as unknown as { rcr: RcrBridge }).rcr;
      return Promise.all([
        rcr.invoke('flag.rollback', { ref: {}, mode: 'nuke', reason: '' }),
        rcr.invoke('__proto__', {}),
        rcr.invoke('providers.setToken', { provider: 'local', token: '' }),
      ]);
    });
    for (const r of results) expect(r).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
  });

  test('the native menu carries the app shortcuts and drives the renderer', async ({ electronApp: app }) => {
    await expect(app.page.getByRole('table', { name: 'Fleet' })).toBeVisible();
    const accelerators = await app.electronApp.evaluate(({ Menu }) =>
      ['app.focus-search', 'app.refresh', 'app.show-fleet', 'app.toggle-theme'].map(
        (id) => Menu.getApplicationMenu()?.getMenuItemById(id)?.accelerator ?? null,
      ),
    );
    expect(accelerators).toEqual(['CmdOrCtrl+K', 'CmdOrCtrl+R', 'CmdOrCtrl+1', 'CmdOrCtrl+Shift+L']);
    await app.electronApp.evaluate(({ Menu, BrowserWindow }) => {
      const item = Menu.getApplicationMenu()?.getMenuItemById('app.toggle-theme');
      item?.click(undefined, BrowserWindow.getAllWindows()[0]);
    });
    await expect(app.page.locator('html')).toHaveAttribute('data-theme', 'light');
  });

  test('a token set through IPC is never returned and never stored in clear text', async ({
    launchElectron,
  }) => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rcr-e2e-token-'));
    writeFileSync(
      path.join(dataDir, 'config.json'),
      JSON.stringify({
        version: 1,
        syncIntervalMs: 60_000,
        providers: [
          { name: 'local', kind: 'local' },
          { name: 'prod', kind: 'unleash', url: 'http://127.0.0.1:9', tokenEnv: 'RCR_E2E_UNSET_TOKEN' },
        ],
      }),
    );
    const token = 'rcr-e2e-secret-7c1f9a2b4d6e';
    const electronApp = await launchElectron(dataDir);
    try {
      const page = await electronApp.firstWindow();
      await expect(page.getByRole('table', { name: 'Fleet' })).toBeVisible();
      const result = await page.evaluate(
        (t) =>
          (globalThis as unknown as { rcr: RcrBridge }).rcr.invoke('providers.setToken', {
            provider: 'prod',
            token: t,
          }),
        token,
      );
      // With a keyring: stored (encrypted). Without one (Linux basic_text): refused as UNSUPPORTED.
      if (result.ok) expect(result.value).toEqual({ provider: 'prod', tokenSet: true });
      else expect(result.error?.code).toBe('UNSUPPORTED');
      expect(JSON.stringify(result)).not.toContain(token);
    } finally {
      await electronApp.close();
    }
    for (const f of readdirSync(dataDir, { recursive: true }) as string[]) {
      const file = path.join(dataDir, f);
      if (existsSync(file) && !f.startsWith('electron')) {
        try {
          expect(readFileSync(file).toString('latin1'), f).not.toContain(token);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EISDIR') throw error;
        }
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a deep link opens the flag: on first launch and from a second instance', async ({
    launchElectron,
  }) => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rcr-e2e-link-'));
    const electronApp = await launchElectron(dataDir, [DEEP_LINK]);
    try {
      const page = await electronApp.firstWindow();
      await expect.poll(() => new URL(page.url()).hash).toBe(FLAG_HASH);
      // Back to the fleet, then a second instance with the link (Windows/Linux delivery).
      await page.evaluate(() => {
        (globalThis as unknown as PageWindow).location.href = '#/';
      });
      await expect.poll(() => new URL(page.url()).hash).toBe('#/');
      const second = spawnElectron(dataDir, [DEEP_LINK]);
      const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
      expect(code).toBe(0); // the second instance hands over and quits
      await expect.poll(() => new URL(page.url()).hash).toBe(FLAG_HASH);
      // An invalid link is ignored.
      const bad = spawnElectron(dataDir, ['rcr://flag/../x?do=rollback']);
      await new Promise((resolve) => bad.once('exit', resolve));
      expect(new URL(page.url()).hash).toBe(FLAG_HASH);
      expect(electronApp.windows()).toHaveLength(1);
    } finally {
      await electronApp.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
