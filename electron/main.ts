/**
 * Electron main process: a thin shell around the core.
 *
 * Opens the core on the data dir, serves it to the window over IPC
 * (`ipc-main.ts`), and keeps the window locked down (`security.ts`). All
 * feature logic lives in the core; nothing here knows about flags.
 *
 * Data dir: `--data-dir DIR` (or `--data-dir=DIR`) > env `RCR_DATA_DIR` > the
 * OS default. Chromium's own profile goes to `DIR/electron`, so the
 * single-instance lock is per data dir: a second launch on the same data dir
 * focuses the running window instead of opening the database twice.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserWindow } from 'electron';
import { app, dialog, session } from 'electron';
import type { AppCore } from './core/app-core.ts';
import { openCore } from './core/app-core.ts';
import { defaultDataDir } from './core/data-dir.ts';
import { forwardCoreEvents, registerIpc } from './ipc-main.ts';
import {
  createAppUrlMatcher,
  createTrustedSenderCheck,
  denyAllPermissions,
  hardenWebContents,
} from './security.ts';
import type { WindowContent } from './window.ts';
import { createMainWindow } from './window.ts';

const PROTOCOL = 'rcr';

/** Read `--data-dir DIR` / `--data-dir=DIR` from argv, else env / OS default (absolute path). */
function resolveDataDir(argv: readonly string[]): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg.startsWith('--data-dir=')) return path.resolve(arg.slice('--data-dir='.length));
    if (arg === '--data-dir' && argv[i + 1]) return path.resolve(argv[i + 1] as string);
  }
  return defaultDataDir();
}

/**
 * The page to load: `RCR_RENDERER_URL` (dev server, unpackaged builds only,
 * loopback http(s) only) or the built `dist/renderer/index.html`.
 */
function resolveContent(): WindowContent {
  const devUrl = process.env.RCR_RENDERER_URL;
  if (devUrl && !app.isPackaged) {
    const url = URL.canParse(devUrl) ? new URL(devUrl) : null;
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url?.hostname ?? '');
    if (url && (url.protocol === 'http:' || url.protocol === 'https:') && loopback) {
      return { kind: 'url', url: url.href };
    }
    console.warn('rcr: ignoring RCR_RENDERER_URL: only an http(s) URL on localhost is allowed');
  }
  // The bundle is dist/electron/main.cjs; the renderer is built to dist/renderer/.
  return { kind: 'file', path: path.join(__dirname, '..', 'renderer', 'index.html') };
}

const dataDir = resolveDataDir(process.argv);
mkdirSync(path.join(dataDir, 'electron'), { recursive: true });
app.setPath('userData', path.join(dataDir, 'electron'));

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void start();
}

async function start(): Promise<void> {
  const content = resolveContent();
  const appUrl = content.kind === 'file' ? pathToFileURL(content.path).href : content.url;
  const windows = new Set<BrowserWindow>();
  const isTrustedSender = createTrustedSenderCheck(createAppUrlMatcher(appUrl), () => [...windows]);
  let core: AppCore | null = null;
  let coreClosed = false;

  const openWindow = (): BrowserWindow => {
    const win = createMainWindow({
      preloadPath: path.join(__dirname, 'preload.cjs'),
      content,
      stateFile: path.join(dataDir, 'window-state.json'),
      devTools: !app.isPackaged,
    });
    windows.add(win);
    win.on('closed', () => windows.delete(win));
    return win;
  };
  const focusWindow = (): void => {
    const [win] = windows;
    if (!win) {
      if (core) openWindow();
      return;
    }
    if (win.isMinimized()) win.restore();
    win.focus();
  };

  // Every web contents (including any created later) gets the same guards.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  // A second launch (or an `rcr://` link on Windows/Linux) lands here: focus the window.
  // `rcr://` links carry no actions yet; they only bring the app to the front.
  app.on('second-instance', () => focusWindow());
  app.on('open-url', (event) => {
    event.preventDefault();
    focusWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => focusWindow());
  app.on('before-quit', (event) => {
    if (!core || coreClosed) return;
    event.preventDefault();
    const closing = core;
    core = null;
    closing
      .close()
      .catch((error: unknown) => console.error('rcr: closing the core failed', error))
      .finally(() => {
        coreClosed = true;
        app.quit();
      });
  });

  await app.whenReady();
  denyAllPermissions(session.defaultSession);
  if (app.isPackaged) app.setAsDefaultProtocolClient(PROTOCOL);

  try {
    // app.getAppPath() is the folder (or app.asar) holding package.json and resources/.
    core = await openCore({ dataDir, resourcesDir: path.join(app.getAppPath(), 'resources') });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error('rcr: could not open the core', error);
    dialog.showErrorBox('Rollout Control Room could not start', `Data folder: ${dataDir}\n\n${message}`);
    app.exit(1);
    return;
  }
  registerIpc(core, isTrustedSender);
  forwardCoreEvents(core, () => [...windows].map((w) => w.webContents), isTrustedSender);
  openWindow();
}

process.on('unhandledRejection', (reason) => console.error('rcr: unhandled rejection', reason));
