/**
 * The native application menu, as a pure template builder (unit-tested; no
 * Electron runtime import). `main.ts` turns it into a `Menu`.
 *
 * Shortcuts mirror the renderer's: `/` focuses the fleet search inside the
 * page; the menu adds CmdOrCtrl+K for the same (works from any view),
 * CmdOrCtrl+R to sync with the providers and reload (replacing Chromium's page
 * reload, which would drop the page state), CmdOrCtrl+1 for the fleet and
 * CmdOrCtrl+Shift+L for the light/dark theme. Each app item sends an
 * `app.command` to the renderer through `send`.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { EventPayload } from '../../shared/contract.ts';

/** Commands the menu sends to the renderer (the `app.command` event without `open-flag`). */
export type MenuCommand = Exclude<EventPayload<'app.command'>['command'], 'open-flag'>;

/** Options of {@link buildMenuTemplate}. */
export interface MenuOptions {
  platform: NodeJS.Platform;
  appName: string;
  /** Development build: adds reload and developer tools. */
  isDev: boolean;
  /** Sends a command to the focused window's renderer. */
  send: (command: MenuCommand) => void;
  /** Shows where the docs and the vulnerability-reporting policy are (Help menu). */
  openHelp: () => void;
}

/** One app shortcut: label, accelerator and command; exported for the docs and tests. */
export const APP_SHORTCUTS: ReadonlyArray<{ label: string; accelerator: string; command: MenuCommand }> = [
  { label: 'Search Flags…', accelerator: 'CmdOrCtrl+K', command: 'focus-search' },
  { label: 'Sync Now', accelerator: 'CmdOrCtrl+R', command: 'refresh' },
  { label: 'Fleet', accelerator: 'CmdOrCtrl+1', command: 'show-fleet' },
  { label: 'Toggle Light Theme', accelerator: 'CmdOrCtrl+Shift+L', command: 'toggle-theme' },
];

function shortcut(command: MenuCommand, send: MenuOptions['send']): MenuItemConstructorOptions {
  const s = APP_SHORTCUTS.find((x) => x.command === command)!;
  return { id: `app.${command}`, label: s.label, accelerator: s.accelerator, click: () => send(command) };
}

/** The menu template for a platform (macOS gets the app menu; others get File › Quit). */
export function buildMenuTemplate(o: MenuOptions): MenuItemConstructorOptions[] {
  const mac = o.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: o.appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }
  template.push({
    label: 'File',
    submenu: [
      shortcut('refresh', o.send),
      ...(mac ? [] : [{ type: 'separator' } as const, { role: 'quit' } as const]),
    ],
  });
  template.push({
    label: 'Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  });
  template.push({
    label: 'View',
    submenu: [
      shortcut('focus-search', o.send),
      shortcut('show-fleet', o.send),
      { type: 'separator' },
      shortcut('toggle-theme', o.send),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
      ...(o.isDev
        ? [
            { type: 'separator' } as const,
            { role: 'forceReload', accelerator: 'CmdOrCtrl+Shift+R' } as const,
            { role: 'toggleDevTools' } as const,
          ]
        : []),
    ],
  });
  template.push({ role: 'windowMenu' });
  template.push({
    role: 'help',
    submenu: [{ id: 'help.docs', label: 'Security and Documentation…', click: () => o.openHelp() }],
  });
  return template;
}
