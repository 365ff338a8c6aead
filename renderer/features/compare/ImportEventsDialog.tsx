/**
 * "Import metric events": the file (uploaded in browser mode, a path in the desktop app) and the
 * environment; progress and row-level errors.
 */
import { useShallow } from 'zustand/react/shallow';
import { uploader } from '../../api/current.ts';
import { FileImportDialog } from '../../components/FileImportDialog.tsx';
import { closeImport, setImportField, startImport, useCompareStore } from './compare-store.ts';
import { formatN } from '../../lib/format.ts';

/** The "Import metric events" dialog of the compare store. */
export function ImportEventsDialog() {
  const { imp, provider } = useCompareStore(
    useShallow((s) => ({ imp: s.import, provider: s.ref?.provider ?? '' })),
  );
  if (!imp.open) return null;
  return (
    <FileImportDialog
      title="Import metric events"
      description={
        <>
          A CSV or JSONL file with one event per row: <span className="mono">timestamp</span>,{' '}
          <span className="mono">unit_id</span>, <span className="mono">flag_key</span>,{' '}
          <span className="mono">variant</span>, <span className="mono">metric</span>,{' '}
          <span className="mono">value</span>. The import is all-or-nothing.
        </>
      }
      placeholder="/data/metrics/events-2025-01.csv"
      mode={uploader() ? 'upload' : 'path'}
      accept=".csv,.jsonl,.ndjson"
      state={imp}
      onPathChange={(path) => setImportField({ path })}
      onFileChange={(file) => setImportField({ file })}
      onSubmit={() => void startImport()}
      onClose={closeImport}
      errorAction={(error) =>
        // The same file was imported before: importing it again would count its events twice.
        error.code === 'CONFLICT' ? (
          <div className="alert-actions">
            <button type="button" className="btn" onClick={() => void startImport('replace')}>
              Replace the earlier import
            </button>
          </div>
        ) : null
      }
      fields={(id, importing) => (
        <div className="field">
          <label htmlFor={`${id}-env`}>Environment</label>
          <input
            id={`${id}-env`}
            type="text"
            value={imp.environment}
            disabled={importing}
            autoComplete="off"
            onChange={(e) => setImportField({ environment: e.target.value })}
          />
          <span className="hint">
            Events are stored for <span className="mono">{provider}</span> / this environment.
          </span>
        </div>
      )}
      result={
        imp.result ? (
          <p>
            <strong>Imported {formatN(imp.result.rows)} events.</strong>
            {imp.result.flags.length ? ` Flags: ${imp.result.flags.join(', ')}.` : ''}
            {imp.result.metrics.length ? ` Metrics: ${imp.result.metrics.join(', ')}.` : ''}
          </p>
        ) : null
      }
    />
  );
}
