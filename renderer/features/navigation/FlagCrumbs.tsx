/** Breadcrumb of a page under a flag (simulator, comparison, rollout): "← Back to flag" and the flag's path. */
import type { FlagRef } from '../../../shared/domain.ts';
import { showFlag } from './navigation-store.ts';

/** The breadcrumb of `page` (e.g. `staged rollout`) under the flag `flagRef`. */
export function FlagCrumbs({ flagRef, page }: { flagRef: FlagRef; page: string }) {
  return (
    <nav className="crumbs" aria-label="Breadcrumb">
      <button type="button" className="btn btn-ghost btn-small" onClick={() => showFlag(flagRef)}>
        ← Back to flag
      </button>
      <span className="muted">
        {flagRef.provider} / {flagRef.environment} / <span className="mono">{flagRef.key}</span> / {page}
      </span>
    </nav>
  );
}
