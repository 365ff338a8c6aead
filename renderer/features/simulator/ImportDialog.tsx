/**
 * "Import prediction log": the file (uploaded in browser mode, a path in the desktop app), optional
 * name, attach to the flag; progress and row-level errors.
 */
import { useShallow } from 'zustand/react/shallow';
import { uploader } from '../../api/current.ts';
import { FileImportDialog } from '../../components/FileImportDialog.tsx';
import { closeImport, setImportField, startImport, useSimulatorStore } from './simulator-store.ts';
import { formatCount } from './projection.ts';

/** The "Import prediction log" dialog of the simulator store. */
export function ImportDialog() {
  const { imp, flagKey } = useSimulatorStore(
    useShallow((s) => ({ imp: s.import, flagKey: s.ref?.key ?? null })),
  );
  if (!imp.open) return null;
  return (
    <FileImportDialog
      title="Import prediction log"
      description={
        <>
          A CSV, JSONL or Parquet file with one prediction per row: <span className="mono">confidence</span>{' '}
          (0–1) and <span className="mono">label</span> (1 = the AI answer was right, 0 = wrong); optionally{' '}
          <span className="mono">model_version</span> and <span className="mono">segment</span>.
        </>
      }
      placeholder="/data/predictions/search-ai-2025-01.csv"
      mode={uploader() ? 'upload' : 'path'}
      accept=".csv,.jsonl,.ndjson,.parquet"
      state={imp}
      onPathChange={(path) => setImportField({ path })}
      onFileChange={(file) => setImportField({ file })}
      onSubmit={() => void startImport()}
      onClose={closeImport}
      fields={(id, importing) => (
        <>
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
      )}
      result={
        imp.result ? (
          <p>
            <strong>Imported {imp.result.name}.</strong> {formatCount(imp.result.rows)} predictions (
            {formatCount(imp.result.positives)} positive)
            {imp.result.modelVersions.length ? `; model versions ${imp.result.modelVersions.join(', ')}` : ''}
            {imp.result.segments.length ? `; segments ${imp.result.segments.join(', ')}` : ''}.
          </p>
        ) : null
      }
    />
  );
}
