/**
 * The shared shape of an import dialog (prediction logs, metric events): the file, feature-specific
 * fields, progress (the upload's, then the core's progress events), the row-level error, and the
 * result.
 *
 * The file is chosen two ways: in browser mode with a file picker (`<input type="file">`), and its
 * bytes are uploaded — the server never reads a path a browser names; in the desktop app as a path
 * on this machine (the core runs here, under the user's own account).
 */
import { useId, type ReactNode } from 'react';
import type { ApiError } from '../../shared/contract.ts';
import { Dialog } from './Dialog.tsx';

/** The import state both stores keep. */
export interface FileImportState {
  path: string;
  /** The chosen file (upload mode), or `null`. */
  file: File | null;
  status: 'idle' | 'importing' | 'succeeded' | 'failed';
  /** Bytes of the upload sent so far (upload mode), or `null` before it starts. */
  uploaded: { sent: number; total: number } | null;
  progress: { rows: number; bytesRead: number; totalBytes: number } | null;
  error: ApiError | null;
}

/** Props of {@link FileImportDialog}: texts, mode, the import state and its callbacks. */
export interface FileImportDialogProps {
  title: string;
  description: ReactNode;
  placeholder: string;
  /** `upload`: a file picker, the bytes are uploaded (browser mode); `path`: a path on this machine. */
  mode: 'upload' | 'path';
  /** File types the picker offers, e.g. `.csv,.jsonl`. */
  accept: string;
  state: FileImportState;
  onPathChange: (path: string) => void;
  onFileChange: (file: File | null) => void;
  onSubmit: () => void;
  onClose: () => void;
  /** Extra fields below the path, given the dialog's id prefix and whether an import runs. */
  fields: (id: string, importing: boolean) => ReactNode;
  /** The success message (shown when `status` is `succeeded`). */
  result: ReactNode;
  /** What the user can do about a failure (e.g. replace an earlier import), shown in its alert. */
  errorAction?: (error: ApiError) => ReactNode;
}

/** What the progress line says: the upload while it runs, then the rows the import has read. */
function progressText(imp: FileImportState): { percent: number | null; text: string } {
  const p = imp.progress;
  const u = imp.uploaded;
  if (!p && u && u.sent < u.total) {
    const percent = u.total > 0 ? Math.min(100, Math.round((u.sent / u.total) * 100)) : null;
    return { percent, text: `Uploading${percent !== null ? ` (${percent}%)` : ''}…` };
  }
  if (!p) return { percent: null, text: u ? 'Uploaded; starting the import…' : 'Starting…' };
  const percent = p.totalBytes > 0 ? Math.min(100, Math.round((p.bytesRead / p.totalBytes) * 100)) : null;
  return {
    percent,
    text: `${p.rows.toLocaleString('en-US')} rows read${percent !== null ? ` (${percent}%)` : ''}…`,
  };
}

/** Dialog for importing a file (uploaded, or by path), with progress and errors. */
export function FileImportDialog(props: FileImportDialogProps) {
  const id = useId();
  const { state: imp } = props;
  const importing = imp.status === 'importing';
  const done = imp.status === 'succeeded';
  const upload = props.mode === 'upload';
  const { percent, text: progress } = progressText(imp);
  const ready = upload ? imp.file !== null : imp.path.trim() !== '';

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
            {upload ? (
              <div className="field">
                <label htmlFor={`${id}-file`}>File</label>
                <input
                  id={`${id}-file`}
                  type="file"
                  accept={props.accept}
                  required
                  disabled={importing}
                  aria-describedby={`${id}-file-hint`}
                  aria-invalid={imp.status === 'failed'}
                  onChange={(e) => props.onFileChange(e.target.files?.[0] ?? null)}
                  data-autofocus
                />
                <span id={`${id}-file-hint`} className="hint">
                  The file is uploaded to the control room, imported, and deleted there afterwards.
                </span>
              </div>
            ) : (
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
                  A path on this machine (the desktop app reads it here, under your account).
                </span>
              </div>
            )}
            {props.fields(id, importing)}
          </>
        ) : null}

        {importing ? (
          <div className="progress" aria-live="polite">
            <progress
              aria-label="Import progress"
              {...(percent !== null ? { value: percent, max: 100 } : {})}
            />
            <span>{progress}</span>
          </div>
        ) : null}

        {imp.status === 'failed' && imp.error ? (
          <div role="alert" className="alert alert-error" data-error-code={imp.error.code}>
            <strong>Import failed.</strong> <span className="error-text">{imp.error.message}</span>
            {props.errorAction?.(imp.error)}
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
              <button type="submit" className="btn btn-primary" disabled={importing || !ready}>
                {importing ? 'Importing…' : 'Import'}
              </button>
            </>
          )}
        </footer>
      </form>
    </Dialog>
  );
}
