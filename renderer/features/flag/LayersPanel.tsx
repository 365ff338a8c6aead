/** The four layers plus allow/block lists, each with an inline editor that leads to a confirmed change. */
import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FleetRow, LayerName, ProviderCapabilities } from '../../../shared/domain.ts';
import { KillBadge } from '../../components/Badges.tsx';
import { formatLayer, LAYER_LABELS, LAYERS } from '../../lib/layer-format.ts';
import { cancelEdit, previewEdit, setDraft, startEdit, useChangeStore } from './change-store.ts';

const CAPABILITY: Record<LayerName, keyof ProviderCapabilities> = {
  enabled: 'kill',
  rolloutPercent: 'rollout',
  confidenceThreshold: 'threshold',
  modelVersion: 'modelVersion',
  allowList: 'allowBlock',
  blockList: 'allowBlock',
};

const HINTS: Record<LayerName, string> = {
  enabled: 'Serving: the feature is on for its audience. Killed: everyone gets the fallback.',
  rolloutPercent: 'Share of units in treatment, 0–100.',
  confidenceThreshold: 'Minimum model confidence for the AI answer to be shown, 0–1.',
  modelVersion: 'The model or variant serving treatment, e.g. v2.4.',
  allowList: 'Targeting keys always in treatment, one per line.',
  blockList: 'Targeting keys always out, one per line.',
};

function LayerEditor({ layer }: { layer: LayerName }) {
  const { draft, phase, fieldErrors, error } = useChangeStore(
    useShallow((s) => ({ draft: s.draft, phase: s.phase, fieldErrors: s.fieldErrors, error: s.error })),
  );
  const id = useId();
  const inputId = `${id}-input`;
  const errId = `${id}-err`;
  const hintId = `${id}-hint`;
  const busy = phase === 'previewing';
  const invalid = fieldErrors.length > 0;
  const describedBy = `${hintId}${invalid ? ` ${errId}` : ''}`;

  let control;
  if (layer === 'enabled') {
    control = (
      <fieldset className="radio-group" aria-describedby={describedBy}>
        <legend className="sr-only">{LAYER_LABELS.enabled}</legend>
        <label>
          <input
            type="radio"
            name={inputId}
            checked={draft === true}
            onChange={() => setDraft(true)}
            // Keyboard users land on the current value (the Edit button they pressed is gone).
            autoFocus={draft === true}
          />
          Serving
        </label>
        <label>
          <input
            type="radio"
            name={inputId}
            checked={draft === false}
            onChange={() => setDraft(false)}
            autoFocus={draft === false}
          />
          Killed
        </label>
      </fieldset>
    );
  } else if (layer === 'allowList' || layer === 'blockList') {
    control = (
      <textarea
        id={inputId}
        rows={4}
        value={String(draft)}
        aria-invalid={invalid}
        aria-describedby={describedBy}
        onChange={(e) => setDraft(e.target.value)}
        autoFocus
      />
    );
  } else {
    control = (
      <input
        id={inputId}
        type="text"
        inputMode={layer === 'modelVersion' ? 'text' : 'decimal'}
        value={String(draft)}
        aria-invalid={invalid}
        aria-describedby={describedBy}
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => setDraft(e.target.value)}
        autoFocus
      />
    );
  }

  return (
    <form
      className="layer-editor"
      noValidate
      aria-label={`Edit ${LAYER_LABELS[layer]}`}
      onSubmit={(e) => {
        e.preventDefault();
        void previewEdit();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          cancelEdit();
        }
      }}
    >
      <div className="field">
        {layer !== 'enabled' ? (
          <label htmlFor={inputId} className="sr-only">
            {LAYER_LABELS[layer]}
          </label>
        ) : null}
        {control}
        <span id={hintId} className="hint">
          {HINTS[layer]}
        </span>
        {invalid ? (
          <div id={errId} role="alert" className="field-error" data-field={layer}>
            {fieldErrors.map((m) => (
              <div key={m}>{m}</div>
            ))}
          </div>
        ) : null}
        {error && phase === 'editing' ? (
          <div role="alert" className="field-error">
            {error.message}
          </div>
        ) : null}
      </div>
      <div className="editor-actions">
        <button type="submit" className="btn" disabled={busy}>
          {busy ? 'Previewing…' : 'Preview change'}
        </button>
        <button type="button" className="btn btn-ghost" onClick={cancelEdit} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/**
 * The flag's layers with their inline editors; what can be edited follows the provider's
 * `capabilities` (`null`: not known yet, every layer editable).
 */
export function LayersPanel({
  flag,
  capabilities,
}: {
  flag: FleetRow;
  capabilities: ProviderCapabilities | null;
}) {
  const { editingLayer, editingOpen } = useChangeStore(
    useShallow((s) => ({
      editingLayer: s.layer,
      editingOpen: s.phase === 'editing' || s.phase === 'previewing',
    })),
  );
  return (
    <section className="panel layers-panel" aria-labelledby="layers-heading">
      <h3 id="layers-heading">Layers</h3>
      <ul className="layer-list">
        {LAYERS.map((layer) => {
          const supported = capabilities ? capabilities[CAPABILITY[layer]] : true;
          const editing = editingOpen && editingLayer === layer;
          return (
            <li key={layer} className={`layer-row ${editing ? 'is-editing' : ''}`} data-layer={layer}>
              <div className="layer-head">
                <span className="layer-label">{LAYER_LABELS[layer]}</span>
                <span className="layer-value" data-col={layer}>
                  {layer === 'enabled' ? (
                    <KillBadge enabled={flag.layers.enabled} />
                  ) : (
                    formatLayer(flag.layers, layer)
                  )}
                </span>
                {!editing ? (
                  <button
                    type="button"
                    className="btn btn-small btn-ghost"
                    data-write
                    aria-label={`Edit ${LAYER_LABELS[layer]}`}
                    disabled={!supported}
                    title={supported ? undefined : `Not supported by the ${flag.providerKind} provider`}
                    onClick={() => startEdit(flag, layer, flag.layers)}
                  >
                    Edit
                  </button>
                ) : null}
              </div>
              {editing ? <LayerEditor layer={layer} /> : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
