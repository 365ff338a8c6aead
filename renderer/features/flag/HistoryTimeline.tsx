/** The flag's history: who changed what, when, and where the change came from. */
import type { HistoryEntry } from '../../../shared/domain.ts';
import { SourceBadge } from '../../components/Badges.tsx';
import { useNow } from '../../lib/clock.ts';
import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { formatLayerValue, LAYER_LABELS } from '../../lib/layer-format.ts';

/** The flag's history as a timeline: time, actor, source and the layer changes of each entry. */
export function HistoryTimeline({ history }: { history: HistoryEntry[] }) {
  const now = useNow();
  return (
    <section className="panel" aria-labelledby="history-heading">
      <h3 id="history-heading">History</h3>
      {history.length === 0 ? (
        <p className="muted">No history recorded for this flag yet.</p>
      ) : (
        <ol className="timeline" aria-label="History">
          {history.map((h) => (
            <li key={h.id} className="timeline-item" data-history-id={h.id} data-source={h.source}>
              <div className="timeline-meta">
                <time dateTime={h.at} title={formatRelative(h.at, now)}>
                  {formatDateTime(h.at)}
                </time>
                <span className="actor">{h.actor ?? 'unknown actor'}</span>
                <SourceBadge source={h.source} />
                <span className="mono muted">{h.eventType}</span>
                {h.auditId !== null ? <span className="muted">audit #{h.auditId}</span> : null}
              </div>
              {h.changes.length > 0 ? (
                <ul className="change-lines">
                  {h.changes.map((c, i) => (
                    <li key={`${c.layer}-${i}`} data-layer={c.layer}>
                      <span className="layer-name">{LAYER_LABELS[c.layer]}</span>:{' '}
                      {formatLayerValue(c.layer, c.before)} → {formatLayerValue(c.layer, c.after)}
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="muted">No layer changed.</p>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
