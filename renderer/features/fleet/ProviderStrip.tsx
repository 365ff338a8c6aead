/** Provider health strip: name, kind, healthy/unreachable (with the last error), last sync age, and "Sync now". */
import { useShallow } from 'zustand/react/shallow';
import { HealthBadge } from '../../components/Badges.tsx';
import { useNow } from '../../lib/clock.ts';
import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { dismissSyncError, syncNow, useFleetStore } from './fleet-store.ts';
import { TokenDialog } from '../tokens/TokenDialog.tsx';
import { openTokenDialog } from '../tokens/token-store.ts';

/** The provider health strip with "Sync now" and the provider-token dialog. */
export function ProviderStrip() {
  const { providers, syncing, syncError } = useFleetStore(
    useShallow((s) => ({ providers: s.providers, syncing: s.syncing, syncError: s.syncError })),
  );
  const now = useNow();
  return (
    <section className="provider-strip" aria-label="Provider health">
      <ul className="provider-list">
        {providers.map((p) => (
          <li
            key={p.name}
            className={`provider ${p.healthy ? '' : 'provider-down'}`}
            data-provider={p.name}
            data-health={p.healthy ? 'healthy' : 'unreachable'}
          >
            <span className="provider-name">{p.name}</span>
            <span className="provider-kind">{p.kind}</span>
            <HealthBadge provider={p} />
            <span
              className="provider-sync"
              title={`Last successful sync: ${formatDateTime(p.lastSuccessAt)}`}
            >
              {p.lastSuccessAt ? `synced ${formatRelative(p.lastSuccessAt, now)}` : 'never synced'}
            </span>
            <span className="provider-count">{p.flagCount} flags</span>
            {p.kind !== 'local' ? (
              <button
                type="button"
                className="btn btn-ghost btn-small"
                data-write
                aria-label={`Token for ${p.name}`}
                onClick={() => void openTokenDialog(p.name)}
              >
                Token…
              </button>
            ) : null}
            {p.lastError && !p.healthy ? (
              <span className="provider-error" title={p.lastError}>
                {p.lastError}
              </span>
            ) : null}
          </li>
        ))}
      </ul>
      <div className="provider-actions">
        <button
          type="button"
          className="btn"
          data-write
          onClick={() => void syncNow()}
          disabled={syncing}
          aria-busy={syncing}
        >
          {syncing ? 'Syncing…' : 'Sync now'}
        </button>
      </div>
      <TokenDialog />
      {syncError ? (
        <div role="alert" className="alert alert-error provider-sync-error">
          <span>Sync failed: {syncError.message}</span>
          <button type="button" className="btn btn-ghost btn-small" onClick={dismissSyncError}>
            Dismiss
          </button>
        </div>
      ) : null}
    </section>
  );
}
