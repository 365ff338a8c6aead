/**
 * The Playwright fixtures every e2e spec imports instead of `@playwright/test`: each test gets its
 * own control room on its own data folder — in browser mode (`rcr serve`, through
 * {@link serveApp}) or in the real Electron shell (`_electron`) — and a scratch folder for the
 * files it writes. Everything is test-scoped: set up for the test that asks for it, torn down
 * (process stopped, folders removed) after it, whether it passed or not.
 *
 * Specs that share one app across a serial suite because they first start an external service
 * (Unleash, Prometheus, a LaunchDarkly or reference flag server) whose address goes into the app's
 * config still do both in `beforeAll`, with {@link serveApp} directly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  _electron,
  expect,
  test as base,
  type ElectronApplication,
  type Page,
  type TestInfo,
} from '@playwright/test';
import { serveApp, type ServeOptions, type ServedApp } from './serve-app.ts';

/** `expect` of `@playwright/test`, re-exported so a spec imports both from here. */
export { expect };

const ROOT = path.resolve(import.meta.dirname, '..');
const MAIN_BUNDLE = path.join(ROOT, 'dist', 'electron', 'main.cjs');
const RENDERER_HTML = path.join(ROOT, 'dist', 'renderer', 'index.html');

/** Why the Electron tests are skipped when there is no Electron binary (the reason in the report). */
export const ELECTRON_SKIP_REASON =
  'skipped: no Electron binary (set ELECTRON_PATH or install electron with its binary)';

/** The Electron executable: `ELECTRON_PATH`, else the one `npm ci` unpacks into node_modules/electron/dist. */
function findElectronBinary(): string | null {
  const fromEnv = process.env.ELECTRON_PATH;
  if (fromEnv) return fs.existsSync(fromEnv) ? fromEnv : null;
  const moduleDir = path.join(ROOT, 'node_modules', 'electron');
  const pathTxt = path.join(moduleDir, 'path.txt');
  const relative = fs.existsSync(pathTxt) ? fs.readFileSync(pathTxt, 'utf8').trim() : 'electron';
  const executable = path.join(moduleDir, 'dist', relative);
  return fs.existsSync(executable) ? executable : null;
}

/**
 * The Electron executable the shell fixtures launch (`ELECTRON_PATH`, else
 * `node_modules/electron/dist`), or `null` when there is none — then every test that asks for
 * {@link ElectronFixtures.electronApp} or {@link ElectronFixtures.launchElectron} is skipped with
 * {@link ELECTRON_SKIP_REASON}.
 */
export const electronBinary: string | null = findElectronBinary();

/** The app's environment without the variables that would point it at another renderer or data folder. */
const launchEnv = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] =>
        e[1] !== undefined && e[0] !== 'RCR_RENDERER_URL' && e[0] !== 'RCR_DATA_DIR',
    ),
  );
// Chromium's OS sandbox refuses to start as root (containers/CI); the renderer's
// `sandbox: true` web preference is a separate setting and stays on.
const chromiumArgs = (): string[] => (process.getuid?.() === 0 ? ['--no-sandbox'] : []);
const shellArgs = (dataDir: string, extraArgs: string[]): string[] => [
  ...chromiumArgs(),
  MAIN_BUNDLE,
  `--data-dir=${dataDir}`,
  ...extraArgs,
];

/** Launches the built app on `dataDir`; a missing build fails the test (it is not a skip). */
async function launch(dataDir: string, extraArgs: string[] = []): Promise<ElectronApplication> {
  expect(fs.existsSync(MAIN_BUNDLE), `${MAIN_BUNDLE} is missing: run \`npm run build\` first`).toBe(true);
  expect(fs.existsSync(RENDERER_HTML), `${RENDERER_HTML} is missing: run \`npm run build\` first`).toBe(true);
  return _electron.launch({
    executablePath: electronBinary as string,
    args: shellArgs(dataDir, extraArgs),
    env: launchEnv(),
    cwd: ROOT,
  });
}

/**
 * Starts one more instance of the built Electron app on `dataDir` as a plain child process (not
 * driven by Playwright), e.g. a second instance that hands a deep link to the running one and
 * quits. Only call it from a test that already has an Electron fixture (which skips without a
 * binary); the caller waits for it to exit.
 */
export function spawnElectron(dataDir: string, extraArgs: string[] = []): ChildProcess {
  if (electronBinary === null) throw new Error(ELECTRON_SKIP_REASON);
  return spawn(electronBinary, shellArgs(dataDir, extraArgs), {
    env: launchEnv(),
    cwd: ROOT,
    stdio: 'ignore',
  });
}

/** The Electron shell a test drives: the app, its first window and its own data folder. */
export interface ElectronShell {
  /** The Playwright handle on the app's main process. */
  electronApp: ElectronApplication;
  /** The app's first window. */
  page: Page;
  /** A fresh temporary data folder, removed after the test. */
  dataDir: string;
}

/** The browser-mode fixtures (see {@link test}). */
export interface AppFixtures {
  /**
   * Option: how {@link AppFixtures.app} starts `rcr serve` — a config file to write first, extra
   * environment, or an existing data folder. Default `{}` (the embedded default provider on a new
   * data folder). Set it for a file or a describe block with `test.use({ appOptions: { … } })`.
   */
  appOptions: ServeOptions;
  /**
   * A running control room in browser mode (`rcr serve` through {@link serveApp} with
   * `appOptions`), on a fresh temporary data folder (or `appOptions.dataDir`, which is kept).
   * Test-scoped: started for the test (and its `beforeEach` hooks, which see the same app), stopped
   * and its temporary data folder removed afterwards.
   */
  app: ServedApp;
  /**
   * A fresh empty temporary folder for the files a test writes (event logs, key lists, …).
   * Test-scoped: removed with its content after the test.
   */
  workDir: string;
}

/** The Electron-shell fixtures (see {@link test}); without an Electron binary they skip the test. */
export interface ElectronFixtures {
  /**
   * The built app launched with `_electron` on a fresh temporary data folder, with its first
   * window. Test-scoped: closed and its data folder removed after the test. Skips the test with
   * {@link ELECTRON_SKIP_REASON} when there is no Electron binary; fails it when there is no build.
   */
  electronApp: ElectronShell;
  /**
   * Launches the built app with `_electron` on a data folder the test prepared itself (e.g. with a
   * config file), with extra command-line arguments (e.g. a deep link). The test closes what it
   * launched and removes its folder. Skips the test with {@link ELECTRON_SKIP_REASON} when there is
   * no Electron binary; a launch fails the test when there is no build.
   */
  launchElectron: (dataDir: string, extraArgs?: string[]) => Promise<ElectronApplication>;
}

/** Skips the test a fixture is set up for when there is no Electron binary (reported with the reason). */
function skipWithoutElectron(testInfo: TestInfo): void {
  testInfo.skip(electronBinary === null, ELECTRON_SKIP_REASON);
}

/**
 * `test` of `@playwright/test` extended with {@link AppFixtures} (browser mode: `appOptions`,
 * `app`, `workDir`) and {@link ElectronFixtures} (the Electron shell: `electronApp`,
 * `launchElectron`). All fixtures are test-scoped: every test gets its own data folder and app.
 */
export const test = base.extend<AppFixtures & ElectronFixtures>({
  appOptions: [{}, { option: true }],
  app: async ({ appOptions }, use) => {
    const app = await serveApp(appOptions);
    try {
      await use(app);
    } finally {
      await app.stop();
    }
  },
  // Playwright reads fixture dependencies from the destructuring pattern, so it must be `{}`.
  // eslint-disable-next-line no-empty-pattern
  workDir: async ({}, use) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-e2e-work-'));
    try {
      await use(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
  // eslint-disable-next-line no-empty-pattern
  electronApp: async ({}, use, testInfo) => {
    skipWithoutElectron(testInfo);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-e2e-'));
    try {
      const electronApp = await launch(dataDir);
      try {
        const page = await electronApp.firstWindow();
        await use({ electronApp, page, dataDir });
      } finally {
        await electronApp.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  },
  // eslint-disable-next-line no-empty-pattern
  launchElectron: async ({}, use, testInfo) => {
    skipWithoutElectron(testInfo);
    await use(launch);
  },
});
