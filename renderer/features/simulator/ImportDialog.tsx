/** "Import prediction log": a path on the machine running the core, optional name, progress, row-level errors. */
import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Dialog } from '../../components/Dialog.tsx';
import { closeImport, setImportField, startImport, useSimulatorStore } from '../../stores/simulator-store.ts';
import { formatCount } from './projection.ts';

export function ImportDialog() {
  const id = useId();
  const { imp, flagKey } = useSimulatorStore(
    useShallow((s) => ({ imp: s.import, flagKey: s.ref?.key ?? null })),
  );
  if (!imp.open) return null;
  const importing = imp.status === 'importing';
  const done = imp.status === 'succeeded';
  const p = imp.progress;
  const percent =
    p && p.totalBytes > 0 ? Math.min(100, Math.round((p.bytesRead / p.totalBytes) * 100)) : null;

  return (
    <Dialog
      labelledBy={`${id}-title`}
      onRequestClose={closeImport}
      className="import-dialog"
      focusKey={imp.status}
    >
      <form
        className="dialog-body"
        noValidate
        aria-busy={importing}
        onSubmit={(e) => {
          e.preventDefault();
          void startImport();
        }}
      >
        <header className="dialog-header">
          <h2 id={`${id}-title`}>Import prediction log</h2>
          <p className="muted">
            A CSV, JSONL or Parquet file with one prediction per row: <span className="mono">confidence</span>{' '}
            (0–1) and <span className="mono">label</span> (1 = the AI answer was right, 0 = wrong); optionally{' '}
            <span className="mono">model_version</span> and <span className="mono">segment</span>.
          </p>
        </header>
        {!done ? (
          <>
            <div className="field">
              <label htmlFor={`${id}-path`}>File path</label>
              <input
                id={`${id}-path`}
                type="text"
                className="mono"
                value={imp.path}
                required
                disabled={importing}
                autoComplete="off"
                spellCheck={false}
                placeholder="/data/predictions/search-ai-2025-01.csv"
                aria-describedby={`${id}-path-hint`}
                aria-invalid={imp.status === 'failed'}
                onChange={(e) => setImportField({ path: e.target.value })}
                data-autofocus
              />
              <span id={`${id}-path-hint`} className="hint">
                A path on the machine running the control room (the file is read there, not uploaded).
              </span>
            </div>
            <div className="field">
              <label htmlFor={`${id}-name`}>Name (optional)</label>
              <input
                id={`${id}-name`}
                type="text"
                value={imp.name}
                disabled={importing}
                autoComplete="off"
                placeholder="defaults to the file name"
                onChange={(e) => setImportField({ name: e.target.value })}
              />
            </div>
            {flagKey ? (
              <label className="field-inline checkbox-line">
                <input
                  type="checkbox"
                  checked={imp.attach}
                  disabled={importing}
                  onChange={(e) => setImportField({ attach: e.target.checked })}
                />
                Attach to <span className="mono">{flagKey}</span>
              </label>
            ) : null}
          </>
        ) : null}

        {importing ? (
          <div className="progress" aria-live="polite">
            <progress
              aria-label="Import progress"
              {...(percent !== null ? { value: percent, max: 100 } : {})}
            />
            <span>
              {p
                ? `${formatCount(p.rows)} rows read${percent !== null ? ` (${percent}%)` : ''}…`
                : 'Starting…'}
            </span>
          </div>
        ) : null}

        {imp.status === 'failed' && imp.error ? (
          <div role="alert" className="alert alert-error" data-error-code={imp.error.code}>
            <strong>Import failed.</strong> <span className="error-text">{imp.error.message}</span>
          </div>
        ) : null}

        {done && imp.result ? (
          <div role="status" className="result result-ok">
            <p>
              <strong>Imported {imp.result.name}.</strong> {formatCount(imp.result.rows)} predictions (
              {formatCount(imp.result.positives)} positive)
              {imp.result.modelVersions.length
                ? `; model versions ${imp.result.modelVersions.join(', ')}`
                : ''}
              {imp.result.segments.length ? `; segments ${imp.result.segments.join(', ')}` : ''}.
            </p>
          </div>
        ) : null}

        <footer className="dialog-footer">
          {done ? (
            <button type="button" className="btn" onClick={closeImport} data-autofocus>
              Close
            </button>
          ) : (
            <>
              <button type="button" className="btn btn-ghost" onClick={closeImport}>
                {importing ? 'Hide' : 'Cancel'}
              </button>
              <button
                type="submit"
                className="btn btn-primary"
                disabled={importing || imp.path.trim() === ''}
              >
                {importing ? 'Importing…' : 'Import'}
              </button>
            </>
          )}
        </footer>
      </form>
    </Dialog>
  );
}
