/**
 * The main window: secure web preferences, remembered bounds.
 *
 * Bounds live in a small JSON file in the data dir (`window-state.json`); a
 * missing, corrupt or off-screen file just means default bounds.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Rectangle } from 'electron';
import { BrowserWindow, screen } from 'electron';

/** Saved window geometry; `x`/`y` are absent when the OS should place the window. */
export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

/** Where the window's page comes from: the built file, or a dev server URL. */
export type WindowContent = { kind: 'file'; path: string } | { kind: 'url'; url: string };

/** Options for {@link createMainWindow}. */
export interface MainWindowOptions {
  /** Absolute path of the bundled preload (`dist/electron/preload.cjs`). */
  preloadPath: string;
  content: WindowContent;
  /** Absolute path of the JSON file that remembers bounds. */
  stateFile: string;
  /** Show developer tools on demand (F12 / Ctrl+Shift+I); false in packaged builds. */
  devTools: boolean;
}

const DEFAULT_STATE: WindowState = { width: 1280, height: 820, maximized: false };
const MIN_WIDTH = 800;
const MIN_HEIGHT = 560;

/**
 * Create and load the main window.
 *
 * The window starts hidden and is shown on `ready-to-show` to avoid a white
 * flash. Web preferences are the secure set: context isolation, OS-sandboxed
 * renderer, no Node integration anywhere, web security on, no `<webview>`.
 * Load failures are logged, not thrown (the window stays open and empty).
 */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const state = readWindowState(options.stateFile);
  const win = new BrowserWindow({
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    width: state.width,
    height: state.height,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    show: false,
    title: 'Rollout Control Room',
    backgroundColor: '#111418',
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: options.devTools,
    },
  });
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  win.on('close', () => writeWindowState(options.stateFile, win));

  const load =
    options.content.kind === 'file' ? win.loadFile(options.content.path) : win.loadURL(options.content.url);
  load.catch((error: unknown) => {
    console.error(`rcr: could not load the renderer: ${(error as Error).message}`);
  });
  return win;
}

/**
 * Read saved bounds; falls back to defaults for a missing or invalid file, and
 * drops the position when it would put the window mostly off every display.
 */
export function readWindowState(file: string): WindowState {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return { ...DEFAULT_STATE };
  }
  if (typeof raw !== 'object' || raw === null) return { ...DEFAULT_STATE };
  const r = raw as Record<string, unknown>;
  const size = (v: unknown, min: number, fallback: number) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= 20_000 ? Math.round(v) : fallback;
  const state: WindowState = {
    width: size(r.width, MIN_WIDTH, DEFAULT_STATE.width),
    height: size(r.height, MIN_HEIGHT, DEFAULT_STATE.height),
    maximized: r.maximized === true,
  };
  if (Number.isInteger(r.x) && Number.isInteger(r.y)) {
    const bounds: Rectangle = {
      x: r.x as number,
      y: r.y as number,
      width: state.width,
      height: state.height,
    };
    if (isMostlyVisible(bounds)) {
      state.x = bounds.x;
      state.y = bounds.y;
    }
  }
  return state;
}

/** Save the window's normal (un-maximized) bounds; errors are logged, never thrown. */
export function writeWindowState(file: string, win: BrowserWindow): void {
  if (win.isDestroyed()) return;
  const b = win.getNormalBounds();
  const state: WindowState = {
    x: b.x,
    y: b.y,
    width: b.width,
    height: b.height,
    maximized: win.isMaximized(),
  };
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(state)}\n`);
    renameSync(tmp, file);
  } catch (error) {
    console.warn(`rcr: could not save window bounds: ${(error as Error).message}`);
  }
}

/** True when at least half of the window's area lies on some display's work area. */
function isMostlyVisible(bounds: Rectangle): boolean {
  const area = bounds.width * bounds.height;
  return screen.getAllDisplays().some(({ workArea: w }) => {
    const dx = Math.min(bounds.x + bounds.width, w.x + w.width) - Math.max(bounds.x, w.x);
    const dy = Math.min(bounds.y + bounds.height, w.y + w.height) - Math.max(bounds.y, w.y);
    return dx > 0 && dy > 0 && dx * dy >= area / 2;
  });
}
