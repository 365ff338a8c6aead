/** One flag in one environment: layers (editable with confirmation), provider details, history and audit log. */
import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FlagRef } from '../../../shared/domain.ts';
import { KillBadge, StaleBadge } from '../../components/Badges.tsx';
import { ErrorState, LoadingState } from '../../components/States.tsx';
import { useNow } from '../../lib/clock.ts';
import { resetChangeStore } from './change-store.ts';
import { useFleetStore } from '../fleet/fleet-store.ts';
import { closeFlag, loadFlag, refreshFlag, useFlagStore } from './flag-store.ts';
import { openRestore, openRollback } from '../rollback/rollback-store.ts';
import { showCompare, showFleet, showRollout, showSimulator } from '../navigation/navigation-store.ts';
import { AuditLog } from './AuditLog.tsx';
import { ChangeDialog } from './ChangeDialog.tsx';
import { HistoryTimeline } from './HistoryTimeline.tsx';
import { LayersPanel } from './LayersPanel.tsx';
import { NativeDetails } from './NativeDetails.tsx';

/** The page of one flag; loads it in the flag store, and on leaving closes it and any open edit. */
export function FlagPage({ flagRef }: { flagRef: FlagRef }) {
  const { provider, environment, key } = flagRef;
  useEffect(() => {
    void loadFlag({ provider, environment, key });
    return () => {
      closeFlag();
      resetChangeStore();
    };
  }, [provider, environment, key]);

  const { status, flag, history, audit, error } = useFlagStore(
    useShallow((s) => ({
      status: s.status,
      flag: s.flag,
      history: s.history,
      audit: s.audit,
      error: s.error,
    })),
  );
  const capabilities = useFleetStore(
    (s) => s.providers.find((p) => p.name === provider)?.capabilities ?? null,
  );
  const now = useNow();

  return (
    <div className="flag-page">
      <nav className="crumbs" aria-label="Breadcrumb">
        <button type="button" className="btn btn-ghost btn-small" onClick={showFleet}>
          ← Back to fleet
        </button>
        <span className="muted">
          {provider} / {environment} / <span className="mono">{key}</span>
        </span>
      </nav>

      {status === 'loading' || status === 'idle' ? <LoadingState what={key} /> : null}
      {status === 'error' && error ? (
        <ErrorState error={error} what={`flag ${key}`} onRetry={() => void loadFlag(flagRef)} />
      ) : null}

      {flag ? (
        <>
          <header
            className="flag-header"
            data-flag-key={flag.key}
            data-provider={flag.provider}
            data-environment={flag.environment}
          >
            <div className="flag-title">
              <h2 className="mono">{flag.key}</h2>
              <KillBadge enabled={flag.layers.enabled} />
              {flag.stale ? <StaleBadge syncedAt={flag.syncedAt} now={now} /> : null}
            </div>
            <p className="flag-sub">
              {flag.name ? <span>{flag.name}</span> : null}
              <span className="muted">
                {' '}
                · {flag.provider} ({flag.providerKind}) · {flag.environment} · {flag.kind}
              </span>
            </p>
            {flag.description ? <p className="flag-desc">{flag.description}</p> : null}
            <div className="flag-actions">
              {flag.layers.enabled ? (
                <button
                  type="button"
                  className="btn btn-danger"
                  data-write
                  onClick={() => openRollback(flag)}
                >
                  Roll back
                </button>
              ) : (
                <>
                  <button
                    type="button"
                    className="btn btn-primary"
                    data-write
                    onClick={() => openRestore(flag)}
                  >
                    Restore
                  </button>
                  <button
                    type="button"
                    className="btn"
                    data-write
                    onClick={() => openRollback(flag, 'revert')}
                  >
                    Revert…
                  </button>
                </>
              )}
              {flag.kind === 'ai' || flag.layers.confidenceThreshold !== null ? (
                <button type="button" className="btn" onClick={() => showSimulator(flag)}>
                  Threshold simulator
                </button>
              ) : null}
              <button type="button" className="btn" onClick={() => showCompare(flag)}>
                Compare cohorts
              </button>
              <button type="button" className="btn" onClick={() => showRollout(flag)}>
                Staged rollout
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => void refreshFlag()}>
                Refresh
              </button>
            </div>
          </header>
          {error && status === 'ready' ? (
            <div role="alert" className="alert alert-error">
              Could not refresh this flag: {error.message}
            </div>
          ) : null}
          <div className="flag-grid">
            <LayersPanel flag={flag} capabilities={capabilities} />
            <NativeDetails flag={flag} />
          </div>
          <div className="flag-grid">
            <HistoryTimeline history={history} />
            <AuditLog audit={audit} />
          </div>
          <ChangeDialog />
        </>
      ) : null}
    </div>
  );
}
