/**
 * Window security hooks for the main process.
 *
 * Every web contents is locked to the app's own page: new windows are denied,
 * navigation away is cancelled, permissions are refused, and the only way out
 * to the web is {@link openExternalSafely}, which accepts http(s) URLs only.
 */
import type { BrowserWindow, Session, WebContents, WebFrameMain } from 'electron';
import { shell } from 'electron';

/** True when a URL is the app's own page (the built `index.html`, or the dev server's origin). */
export type AppUrlMatcher = (url: string) => boolean;

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * Open an http(s) URL in the user's default browser.
 *
 * Anything else (`file:`, `javascript:`, custom schemes, URLs with embedded
 * credentials, unparsable strings) is refused. Never throws.
 *
 * @returns `true` when the URL was handed to the OS, `false` when it was refused or the OS failed.
 */
export async function openExternalSafely(url: string): Promise<boolean> {
  const parsed = parseUrl(url);
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) return false;
  if (parsed.username || parsed.password) return false;
  try {
    await shell.openExternal(parsed.href);
    return true;
  } catch (error) {
    console.warn(`rcr: could not open ${parsed.origin} externally: ${(error as Error).message}`);
    return false;
  }
}

/**
 * Build the matcher for the app's own page.
 *
 * - `file:` app URL: the same file path (query and hash ignored), nothing else on disk.
 * - `http(s):` app URL (dev server): the same origin.
 *
 * @throws {TypeError} when `appUrl` is not an absolute `file:`/`http:`/`https:` URL.
 */
export function createAppUrlMatcher(appUrl: string): AppUrlMatcher {
  const app = parseUrl(appUrl);
  if (!app || !['file:', 'http:', 'https:'].includes(app.protocol)) {
    throw new TypeError(`app URL must be an absolute file: or http(s): URL, got ${JSON.stringify(appUrl)}`);
  }
  if (app.protocol === 'file:') {
    return (url) => {
      const candidate = parseUrl(url);
      return (
        candidate?.protocol === 'file:' && candidate.host === app.host && candidate.pathname === app.pathname
      );
    };
  }
  return (url) => parseUrl(url)?.origin === app.origin;
}

/**
 * Build the IPC sender check: the frame must be the main (top) frame of one of
 * our windows and must show the app's own page.
 *
 * Frames are compared by `processId` + `routingId`, which identify a frame
 * uniquely while it lives. A `null` frame (navigated or destroyed) is untrusted.
 */
export function createTrustedSenderCheck(
  isAppUrl: AppUrlMatcher,
  windows: () => readonly BrowserWindow[],
): (frame: WebFrameMain | null) => boolean {
  return (frame) => {
    if (!frame || frame.parent !== null || !isAppUrl(frame.url)) return false;
    return windows().some((win) => {
      if (win.isDestroyed()) return false;
      const main = win.webContents.mainFrame;
      return main.processId === frame.processId && main.routingId === frame.routingId;
    });
  };
}

/**
 * Lock one web contents to the app page.
 *
 * - `window.open` / `target=_blank`: always denied; http(s) targets go to the
 *   default browser through {@link openExternalSafely}.
 * - `will-navigate` / `will-redirect`: cancelled unless same-document (hash or
 *   history navigation inside the page). Blocked links are not opened externally:
 *   a page should not be able to launch the browser just by navigating.
 * - `<webview>`: never attached.
 */
export function hardenWebContents(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    void openExternalSafely(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => {
    if (!event.isSameDocument) {
      event.preventDefault();
      console.warn(`rcr: blocked navigation to ${describeForLog(event.url)}`);
    }
  });
  contents.on('will-redirect', (event) => {
    if (!event.isSameDocument) {
      event.preventDefault();
      console.warn(`rcr: blocked redirect to ${describeForLog(event.url)}`);
    }
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
}

/**
 * Refuse every permission (camera, notifications, clipboard-read, HID, serial…)
 * for a session, both when asked (`request`) and when checked (`check`).
 */
export function denyAllPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

/** Origin (or scheme) only, so logs never carry query strings or tokens. */
function describeForLog(url: string): string {
  const parsed = parseUrl(url);
  if (!parsed) return '(unparsable URL)';
  return parsed.origin !== 'null' ? parsed.origin : `${parsed.protocol} URL`;
}
