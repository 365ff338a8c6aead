import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { APP_SHORTCUTS, buildMenuTemplate, type MenuCommand } from './menu-template.ts';

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);
}

function build(platform: NodeJS.Platform, isDev = false) {
  const sent: MenuCommand[] = [];
  let help = 0;
  const items = flatten(
    buildMenuTemplate({
      platform,
      appName: 'Rollout Control Room',
      isDev,
      send: (c) => sent.push(c),
      openHelp: () => help++,
    }),
  );
  return { items, sent, help: () => help };
}

describe('application menu', () => {
  it.each(['darwin', 'linux', 'win32'] as const)(
    '%s: every app shortcut is in the menu and sends its command',
    (platform) => {
      const { items, sent } = build(platform);
      for (const s of APP_SHORTCUTS) {
        const item = items.find((i) => i.id === `app.${s.command}`);
        expect(item, s.command).toBeDefined();
        expect(item!.accelerator).toBe(s.accelerator);
        (item!.click as () => void)();
      }
      expect(sent).toEqual(APP_SHORTCUTS.map((s) => s.command));
    },
  );

  it('has no duplicate accelerators', () => {
    const { items } = build('linux', true);
    const accels = items.map((i) => i.accelerator).filter(Boolean);
    expect(new Set(accels).size).toBe(accels.length);
  });

  it('puts Quit in the app menu on macOS and in File elsewhere; dev tools only in development', () => {
    const mac = build('darwin');
    expect(mac.items[0]?.label).toBe('Rollout Control Room');
    expect(mac.items.filter((i) => i.role === 'quit')).toHaveLength(1);
    const linux = build('linux');
    expect(linux.items.some((i) => i.label === 'Rollout Control Room')).toBe(false);
    expect(linux.items.filter((i) => i.role === 'quit')).toHaveLength(1);
    expect(
      linux.items.some((i) => i.role === 'toggleDevTools' || i.role === 'reload' || i.role === 'forceReload'),
    ).toBe(false);
    expect(build('linux', true).items.some((i) => i.role === 'toggleDevTools')).toBe(true);
  });

  it('Help › Documentation calls openHelp', () => {
    const b = build('win32');
    (b.items.find((i) => i.id === 'help.docs')!.click as () => void)();
    expect(b.help()).toBe(1);
  });
});
