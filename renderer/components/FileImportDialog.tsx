/**
 * The shared shape of an import-by-path dialog (prediction logs, metric events): a path on the
 * machine running the core, feature-specific fields, progress from the core's progress events,
 * the row-level error, and the result.
 */
import { useId, type ReactNode } from 'react';
import type { ApiError } from '../../shared/contract.ts';
import { Dialog } from './Dialog.tsx';

/** The import state both stores keep. */
export interface FileImportState {
  path: string;
  status: 'idle' | 'importing' | 'succeeded' | 'failed';
  progress: { rows: number; bytesRead: number; totalBytes: number } | null;
  error: ApiError | null;
}

export interface FileImportDialogProps {
  title: string;
  description: ReactNode;
  placeholder: string;
  state: FileImportState;
  onPathChange: (path: string) => void;
  onSubmit: () => void;
  onClose: () => void;
  /** Extra fields below the path, given the dialog's id prefix and whether an import runs. */
  fields: (id: string, importing: boolean) => ReactNode;
  /** The success message (shown when `status` is `succeeded`). */
  result: ReactNode;
}

/** Dialog for importing a file by path, with progress and errors. */
export function FileImportDialog(props: FileImportDialogProps) {
  const id = useId();
  const { state: imp } = props;
  const importing = imp.status === 'importing';
  const done = imp.status === 'succeeded';
  const p = imp.progress;
  const percent =
    p && p.totalBytes > 0 ? Math.min(100, Math.round((p.bytesRead / p.totalBytes) * 100)) : null;

  return (
    <Dialog
      labelledBy={`${id}-title`}
      onRequestClose={props.onClose}
      className="import-dialog"
      focusKey={imp.status}
    >
      <form
        className="dialog-body"
        noValidate
        aria-busy={importing}
        onSubmit={(e) => {
          e.preventDefault();
          props.onSubmit();
        }}
      >
        <header className="dialog-header">
          <h2 id={`${id}-title`}>{props.title}</h2>
          <p className="muted">{props.description}</p>
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
                placeholder={props.placeholder}
                aria-describedby={`${id}-path-hint`}
                aria-invalid={imp.status === 'failed'}
                onChange={(e) => props.onPathChange(e.target.value)}
                data-autofocus
              />
              <span id={`${id}-path-hint`} className="hint">
                A path on the machine running the control room (the file is read there, not uploaded).
              </span>
            </div>
            {props.fields(id, importing)}
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
                ? `${p.rows.toLocaleString('en-US')} rows read${percent !== null ? ` (${percent}%)` : ''}…`
                : 'Starting…'}
            </span>
          </div>
        ) : null}

        {imp.status === 'failed' && imp.error ? (
          <div role="alert" className="alert alert-error" data-error-code={imp.error.code}>
            <strong>Import failed.</strong> <span className="error-text">{imp.error.message}</span>
          </div>
        ) : null}

        {done ? (
          <div role="status" className="result result-ok">
            {props.result}
          </div>
        ) : null}

        <footer className="dialog-footer">
          {done ? (
            <button type="button" className="btn" onClick={props.onClose} data-autofocus>
              Close
            </button>
          ) : (
            <>
              <button type="button" className="btn btn-ghost" onClick={props.onClose}>
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
