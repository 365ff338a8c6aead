/** The default view: provider health, filters and search, and the fleet table with its empty/loading/error states. */
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FlagRef } from '../../../shared/domain.ts';
import { useNow } from '../../lib/clock.ts';
import { formatAge } from '../../lib/format.ts';
import {
  clearFilters,
  environmentsOf,
  filterRows,
  loadFleet,
  providerNamesOf,
  setEnvironmentFilter,
  setProviderFilter,
  setSearch,
  syncNow,
  useFleetStore,
} from './fleet-store.ts';
import { showFlag, useUiStore } from '../navigation/navigation-store.ts';
import { ErrorState, LoadingState } from '../../components/States.tsx';
import { FleetTable } from './FleetTable.tsx';
import { ProviderStrip } from './ProviderStrip.tsx';

function isTypingTarget(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

/** The fleet view (the app's home screen). */
export function FleetView() {
  const { rows, providers, status, error, loadedAt, filters, syncing } = useFleetStore(
    useShallow((s) => ({
      rows: s.rows,
      providers: s.providers,
      status: s.status,
      error: s.error,
      loadedAt: s.loadedAt,
      filters: s.filters,
      syncing: s.syncing,
    })),
  );
  const lastOpened = useUiStore((s) => s.lastOpened);
  const now = useNow();
  const searchRef = useRef<HTMLInputElement>(null);

  const visible = useMemo(() => filterRows(rows, filters), [rows, filters]);
  const providerNames = useMemo(() => providerNamesOf(providers, rows), [providers, rows]);
  const environments = useMemo(() => environmentsOf(rows, filters.provider), [rows, filters.provider]);
  const staleCount = useMemo(() => rows.reduce((n, r) => n + (r.stale ? 1 : 0), 0), [rows]);
  const filtered = filters.provider !== '' || filters.environment !== '' || filters.search.trim() !== '';

  // "/" focuses the search box from anywhere on the fleet view.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || isTypingTarget(e.target)) return;
      if (document.querySelector('dialog[open]')) return;
      e.preventDefault();
      searchRef.current?.focus();
      searchRef.current?.select();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const onOpen = useCallback((ref: FlagRef) => showFlag(ref), []);

  let body;
  if (status === 'idle' || (status === 'loading' && loadedAt === null)) {
    body = <LoadingState what="the fleet" />;
  } else if (status === 'error' && error) {
    body = <ErrorState error={error} what="the fleet" onRetry={() => void loadFleet()} />;
  } else if (providers.length === 0 && rows.length === 0) {
    body = (
      <div className="state state-empty" data-empty="no-providers">
        <h2>No providers configured</h2>
        <p>
          Add a flag provider (local, Unleash, LaunchDarkly or HTTP) to the control room configuration, then
          sync.
        </p>
      </div>
    );
  } else if (rows.length === 0) {
    body = (
      <div className="state state-empty" data-empty="no-flags">
        <h2>No flags yet</h2>
        <p>The configured providers returned no flags. Create a flag in a provider, then sync.</p>
        <button type="button" className="btn" data-write onClick={() => void syncNow()} disabled={syncing}>
          {syncing ? 'Syncing…' : 'Sync now'}
        </button>
      </div>
    );
  } else if (visible.length === 0) {
    body = (
      <div className="state state-empty" data-empty="no-match">
        <h2>No flags match</h2>
        <p>Nothing matches the current provider, environment and search filters.</p>
        <button type="button" className="btn" onClick={clearFilters}>
          Clear filters
        </button>
      </div>
    );
  } else {
    body = <FleetTable rows={visible} totalCount={rows.length} onOpen={onOpen} restoreFocusTo={lastOpened} />;
  }

  return (
    <div className="fleet-view">
      <ProviderStrip />
      {status === 'ready' && error ? (
        <div role="alert" className="alert alert-error">
          Could not refresh the fleet: {error.message}.{' '}
          {loadedAt !== null ? `Showing data loaded ${formatAge(now - loadedAt)} ago.` : null}
        </div>
      ) : null}
      <div className="toolbar" role="search" aria-label="Fleet filters">
        <label className="field-inline">
          <span>Provider</span>
          <select value={filters.provider} onChange={(e) => setProviderFilter(e.target.value)}>
            <option value="">All providers</option>
            {providerNames.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline">
          <span>Environment</span>
          <select value={filters.environment} onChange={(e) => setEnvironmentFilter(e.target.value)}>
            <option value="">All environments</option>
            {environments.map((env) => (
              <option key={env} value={env}>
                {env}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline field-search">
          <span>Search</span>
          <input
            ref={searchRef}
            type="search"
            value={filters.search}
            placeholder="Key, name or model — press /"
            aria-keyshortcuts="/"
            onChange={(e) => setSearch(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape' && filters.search) {
                e.preventDefault();
                setSearch('');
              }
            }}
          />
        </label>
        <p className="toolbar-count" aria-live="polite" data-testid="fleet-count">
          {filtered
            ? `${visible.length.toLocaleString()} of ${rows.length.toLocaleString()} flags`
            : `${rows.length.toLocaleString()} flags`}
          {staleCount > 0 ? <span className="muted"> · {staleCount} showing cached state</span> : null}
        </p>
      </div>
      {body}
    </div>
  );
}
