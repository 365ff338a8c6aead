/**
 * The shell: header (product name, transport, the open-incident count, theme toggle), the current
 * view, and the rollback / restore dialog.
 */
import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { NotifyBanner } from '../features/incident/NotifyBanner.tsx';
import { ComparePage } from '../features/compare/ComparePage.tsx';
import { DecisionLogPage } from '../features/decisions/DecisionLogPage.tsx';
import { IncidentPage } from '../features/incident/IncidentPage.tsx';
import { RolloutPage } from '../features/rollout/RolloutPage.tsx';
import { FlagPage } from '../features/flag/FlagPage.tsx';
import { FleetView } from '../features/fleet/FleetView.tsx';
import { RollbackDialog } from '../features/rollback/RollbackDialog.tsx';
import { SimulatorPage } from '../features/simulator/SimulatorPage.tsx';
import { refId } from '../lib/flag-ref.ts';
import { useRollbackStore } from '../features/rollback/rollback-store.ts';
import { startOpenIncidentsLive, useOpenIncidentsStore } from '../features/incident/open-incidents-store.ts';
import {
  showDecisions,
  showFleet,
  showIncidents,
  toggleTheme,
  useUiStore,
} from '../features/navigation/navigation-store.ts';

/** Inputs that take no typing: a shortcut pressed on one of them is still a shortcut. */
const NON_TEXT_INPUTS = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file']);

/** True when a key press belongs to a text field (shortcuts must not steal typing). */
function typingIn(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  if (el.tagName === 'INPUT') return !NON_TEXT_INPUTS.has((el as HTMLInputElement).type);
  return el.isContentEditable || ['TEXTAREA', 'SELECT'].includes(el.tagName);
}

/** How the renderer reaches the core: the Electron preload, HTTP + WebSocket, or in-memory mocks. */
export type TransportLabel = 'electron' | 'http' | 'mock';

const TRANSPORT_TEXT: Record<TransportLabel, string> = {
  electron: 'desktop',
  http: 'browser mode',
  mock: 'mock data (dev)',
};

/** The whole renderer: header, notification banners, the current view and the rollback dialog. */
export function App({ transport }: { transport: TransportLabel }) {
  const { view, theme } = useUiStore(useShallow((s) => ({ view: s.view, theme: s.theme })));
  const rollbackOpen = useRollbackStore((s) => s.phase !== 'closed');
  const incidents = useOpenIncidentsStore(
    useShallow((s) => ({ status: s.status, count: s.count, error: s.error })),
  );

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  // The open incidents are counted from the first load on, not only from live events.
  useEffect(() => startOpenIncidentsLive(), []);

  // Shift+I: incident mode; Shift+D: decision log (outside text fields and dialogs).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.shiftKey || e.ctrlKey || e.metaKey || e.altKey || typingIn(e.target)) return;
      if (document.querySelector('dialog[open]')) return;
      if (e.key === 'I' || e.key === 'i') {
        e.preventDefault();
        showIncidents();
      } else if (e.key === 'D' || e.key === 'd') {
        e.preventDefault();
        showDecisions();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

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
        <nav className="app-nav" aria-label="Main">
          <a
            href="#/incidents"
            aria-keyshortcuts="Shift+I"
            aria-current={view.name === 'incidents' ? 'page' : undefined}
            title="Incident mode (Shift+I)"
          >
            Incident mode{' '}
            <span
              className={`badge nav-count ${incidents.status === 'ready' ? (incidents.count ? 'nav-count-open' : 'nav-count-clear') : 'nav-count-unknown'}`}
              data-open-incidents={incidents.status === 'ready' ? incidents.count : ''}
              data-testid="header-incidents"
              title={
                incidents.status === 'error'
                  ? `Could not read incidents: ${incidents.error?.message ?? 'unknown error'}`
                  : undefined
              }
            >
              {incidents.status === 'ready'
                ? incidents.count
                  ? `${incidents.count} open`
                  : 'none open'
                : incidents.status === 'error'
                  ? 'unknown'
                  : '…'}
            </span>
          </a>
          <a
            href="#/decisions"
            aria-keyshortcuts="Shift+D"
            aria-current={view.name === 'decisions' ? 'page' : undefined}
            title="Decision log (Shift+D)"
          >
            Decision log
          </a>
        </nav>
        <div className="header-spacer" />
        <button type="button" className="btn btn-ghost btn-small" onClick={toggleTheme}>
          {theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
        </button>
      </header>
      <NotifyBanner />
      <main className="app-main">
        {view.name === 'fleet' ? (
          <FleetView />
        ) : view.name === 'compare' ? (
          <ComparePage key={`compare:${refId(view.ref)}`} flagRef={view.ref} />
        ) : view.name === 'rollout' ? (
          <RolloutPage key={`rollout:${refId(view.ref)}`} flagRef={view.ref} />
        ) : view.name === 'incidents' ? (
          <IncidentPage />
        ) : view.name === 'decisions' ? (
          <DecisionLogPage key={`decisions:${view.ref ? refId(view.ref) : '*'}`} flagRef={view.ref} />
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
