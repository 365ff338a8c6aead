/**
 * Commands from the desktop shell (`app.command` events): the native menu's
 * shortcuts and `rcr://flag/...` deep links. Browser mode never sends them.
 *
 * - `focus-search` (CmdOrCtrl+K): fleet view, then focus its search box;
 * - `refresh` (CmdOrCtrl+R): sync with every provider, then re-read the fleet;
 * - `show-fleet` (CmdOrCtrl+1), `toggle-theme` (CmdOrCtrl+Shift+L);
 * - `open-flag`: the flag page of the deep link's flag.
 */
import { api } from '../api/current.ts';
import { loadFleet } from '../features/fleet/fleet-store.ts';
import { showFlag, showFleet, toggleTheme } from '../features/navigation/navigation-store.ts';

function focusSearch(): void {
  showFleet();
  // The fleet view may mount on the next frame.
  requestAnimationFrame(() => {
    const input = document.querySelector<HTMLInputElement>('.app-main input[type="search"]');
    input?.focus();
    input?.select();
  });
}

/** Subscribes to `app.command`; returns the unsubscribe function. */
export function startShellCommands(): () => void {
  return api().on('app.command', (cmd) => {
    switch (cmd.command) {
      case 'focus-search':
        return focusSearch();
      case 'refresh':
        return void api()
          .invoke('sync.now', {})
          .then(() => loadFleet());
      case 'show-fleet':
        return showFleet();
      case 'toggle-theme':
        return toggleTheme();
      case 'open-flag':
        return showFlag(cmd.ref);
    }
  });
}
