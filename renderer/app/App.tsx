/** The shell: header (product name, transport, theme toggle), the current view, and the rollback dialog. */
import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ComparePage } from '../features/compare/ComparePage.tsx';
import { FlagPage } from '../features/flag/FlagPage.tsx';
import { FleetView } from '../features/fleet/FleetView.tsx';
import { RollbackDialog } from '../features/rollback/RollbackDialog.tsx';
import { SimulatorPage } from '../features/simulator/SimulatorPage.tsx';
import { refId } from '../lib/format.ts';
import { useRollbackStore } from '../stores/rollback-store.ts';
import { showFleet, toggleTheme, useUiStore } from '../stores/ui-store.ts';

export type TransportLabel = 'electron' | 'http' | 'mock';

const TRANSPORT_TEXT: Record<TransportLabel, string> = {
  electron: 'desktop',
  http: 'browser mode',
  mock: 'mock data (dev)',
};

export function App({ transport }: { transport: TransportLabel }) {
  const { view, theme } = useUiStore(useShallow((s) => ({ view: s.view, theme: s.theme })));
  const rollbackOpen = useRollbackStore((s) => s.phase !== 'closed');

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  return (
    <div className="app">
      <header className="app-header">
        <h1>
          <a
            href="#/"
            onClick={(e) => {
              e.preventDefault();
              showFleet();
            }}
          >
            Rollout Control Room
          </a>
        </h1>
        <span className="transport" data-transport={transport}>
          {TRANSPORT_TEXT[transport]}
        </span>
        <div className="header-spacer" />
        <button
          type="button"
          className="btn btn-ghost btn-small"
          aria-pressed={theme === 'light'}
          onClick={toggleTheme}
        >
          Light theme
        </button>
      </header>
      <main className="app-main">
        {view.name === 'fleet' ? (
          <FleetView />
        ) : view.name === 'compare' ? (
          <ComparePage key={`compare:${refId(view.ref)}`} flagRef={view.ref} />
        ) : view.name === 'simulator' ? (
          <SimulatorPage key={`sim:${refId(view.ref)}`} flagRef={view.ref} />
        ) : (
          <FlagPage key={refId(view.ref)} flagRef={view.ref} />
        )}
      </main>
      {rollbackOpen ? <RollbackDialog /> : null}
    </div>
  );
}
