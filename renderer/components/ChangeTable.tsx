/** "What will change": one row per layer, before → after. */
import type { ReactNode } from 'react';
import type { ActionResult } from '../../shared/flag-actions.ts';
import type { FlagLayers, LayerChange, LayerName } from '../../shared/domain.ts';
import { formatLayer, formatLayerValue, LAYER_LABELS, LAYERS } from '../lib/layer-format.ts';

/** The changes of an action, one row per layer (before → after); a note when there is none. */
export function ChangeTable({ changes, caption }: { changes: readonly LayerChange[]; caption: string }) {
  if (changes.length === 0) {
    return <p className="muted">No layer changes: the flag is already in this state.</p>;
  }
  return (
    <table className="change-table" aria-label={caption}>
      <thead>
        <tr>
          <th scope="col">Layer</th>
          <th scope="col">Before</th>
          <th scope="col" aria-hidden="true"></th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((c) => (
          <tr key={c.layer} data-layer={c.layer}>
            <th scope="row">{LAYER_LABELS[c.layer]}</th>
            <td data-col="before">{formatLayerValue(c.layer, c.before)}</td>
            <td aria-hidden="true" className="arrow">
              →
            </td>
            <td data-col="after">{formatLayerValue(c.layer, c.after)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** All layers of a state as a key/value list (e.g. the state confirmed by the provider). */
export function LayersList({
  layers,
  label,
  changed = [],
}: {
  layers: FlagLayers;
  label: string;
  /** Layers to mark as changed by the action. */
  changed?: readonly LayerName[];
}) {
  return (
    <dl className="kv layers-list" aria-label={label}>
      {LAYERS.map((layer) => (
        <div
          key={layer}
          className={`kv-row ${changed.includes(layer) ? 'is-changed' : ''}`}
          data-layer={layer}
          data-changed={changed.includes(layer) ? 'true' : undefined}
        >
          <dt>{LAYER_LABELS[layer]}</dt>
          <dd data-col={layer}>{formatLayer(layers, layer)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The outcome of an action the provider confirmed: a headline, the audit id and the confirmed layers. */
export function ConfirmedResult({
  headline,
  result,
  changed,
}: {
  headline: ReactNode;
  result: ActionResult;
  /** Layers the action changed (marked in the list). */
  changed?: readonly LayerName[];
}) {
  return (
    <div role="status" className="result result-ok" data-audit-id={result.audit.id}>
      <p>
        <strong>{headline}</strong> Confirmed by re-reading the provider · audit #{result.audit.id}
      </p>
      <LayersList layers={result.flag.layers} label="Confirmed state" changed={changed} />
    </div>
  );
}
