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
 *
 * Also here: provider tokens encrypted with `safeStorage` (injected into the
 * core as its secret store), the native menu, desktop notifications for the
 * core's `notify` event, and `rcr://flag/{provider}/{env}/{key}` deep links
 * (`open-url` on macOS, the second instance's argv on Windows/Linux, the first
 * launch's argv), which open the flag through an `app.command` event.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserWindow } from 'electron';
import { Menu, app, dialog, session } from 'electron';
import type { EventName, EventPayload, RcrApi } from '../../shared/contract.ts';
import type { FlagRef } from '../../shared/domain.ts';
import type { AppCore } from '../core/app-core.ts';
import { openCore } from '../core/app-core.ts';
import { defaultDataDir } from '../core/data-dir.ts';
import { forwardCoreEvents, registerIpc } from './ipc-main.ts';
import {
  createAppUrlMatcher,
  createTrustedSenderCheck,
  denyAllPermissions,
  hardenWebContents,
} from './security.ts';
import type { WindowContent } from './window.ts';
import { createMainWindow } from './window.ts';
import { DEEP_LINK_PROTOCOL, deepLinkFromArgv, parseDeepLink } from './deep-link.ts';
import { buildMenuTemplate } from './menu-template.ts';
import { startDesktopNotifications } from './notifications.ts';
import { createDesktopSecretStore } from './safe-storage-cipher.ts';

const PROTOCOL = DEEP_LINK_PROTOCOL;

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
  // Commands for the renderer from the shell (menu, deep links); forwarded like core events.
  const shellEvents = new EventEmitter();
  const sendCommand = (command: EventPayload<'app.command'>): void => {
    shellEvents.emit('app.command', command);
  };
  // A deep link that arrived before the window finished loading (first launch, macOS open-url).
  let pendingFlag: FlagRef | null = deepLinkFromArgv(process.argv);
  let windowLoaded = false;

  const openWindow = (): BrowserWindow => {
    const win = createMainWindow({
      preloadPath: path.join(__dirname, 'preload.cjs'),
      content,
      stateFile: path.join(dataDir, 'window-state.json'),
      devTools: !app.isPackaged,
    });
    windows.add(win);
    windowLoaded = false;
    win.on('closed', () => windows.delete(win));
    win.webContents.on('did-finish-load', () => {
      windowLoaded = true;
      if (pendingFlag) {
        const ref = pendingFlag;
        pendingFlag = null;
        sendCommand({ command: 'open-flag', ref });
      }
    });
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
  /** Focus the window and open a flag (now, or once the page has loaded). */
  const openFlag = (ref: FlagRef): void => {
    focusWindow();
    if (windowLoaded && windows.size > 0) sendCommand({ command: 'open-flag', ref });
    else pendingFlag = ref;
  };
  const onLink = (url: string | null, source: string): void => {
    if (url === null) return;
    const ref = parseDeepLink(url);
    if (ref) openFlag(ref);
    else console.warn(`rcr: ignored an invalid ${PROTOCOL}:// link from ${source}`);
  };
  // A second launch (or an `rcr://` link on Windows/Linux, passed as an argument) lands here.
  app.on('second-instance', (_event, argv) => {
    focusWindow();
    onLink(argv.find((a) => a.toLowerCase().startsWith(`${PROTOCOL}:`)) ?? null, 'the command line');
  });
  // macOS delivers links here, possibly before `ready`.
  app.on('open-url', (event, url) => {
    event.preventDefault();
    onLink(url, 'the OS');
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

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({
        platform: process.platform,
        appName: app.getName(),
        isDev: !app.isPackaged,
        send: (command) => sendCommand({ command }),
        openHelp: () =>
          void dialog.showMessageBox({
            type: 'info',
            title: 'Security and documentation',
            message: 'Rollout Control Room',
            detail:
              'The documentation is in the docs/ folder of the source repository: architecture.md, ' +
              'electron.md and security.md. To report a vulnerability, follow "Reporting a ' +
              'vulnerability" in docs/security.md (privately, not in a public issue).',
          }),
      }),
    ),
  );

  try {
    // app.getAppPath() is the folder (or app.asar) holding package.json and resources/.
    // Provider tokens set in the app are encrypted with safeStorage (available after `ready`).
    core = await openCore({
      dataDir,
      resourcesDir: path.join(app.getAppPath(), 'resources'),
      secretStore: createDesktopSecretStore(dataDir),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error('rcr: could not open the core', error);
    dialog.showErrorBox('Rollout Control Room could not start', `Data folder: ${dataDir}\n\n${message}`);
    app.exit(1);
    return;
  }
  registerIpc(core, isTrustedSender);
  const opened = core;
  // Core events plus the shell's `app.command`, forwarded to trusted windows.
  const events: RcrApi = {
    invoke: (channel, input) => opened.invoke(channel, input),
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      if (event !== 'app.command') return opened.on(event, listener);
      shellEvents.on(event, listener);
      return () => shellEvents.off(event, listener);
    },
  };
  forwardCoreEvents(events, () => [...windows].map((w) => w.webContents), isTrustedSender);
  startDesktopNotifications(opened, (flag) => (flag ? openFlag(flag) : focusWindow()));
  openWindow();
}

process.on('unhandledRejection', (reason) => console.error('rcr: unhandled rejection', reason));
