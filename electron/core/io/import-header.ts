/**
 * The no-echo rule of imports: a file's content is quoted in an error only when the file is
 * really being imported — that is, when its header is recognised.
 *
 * Before an import reads any row, {@link checkImportHeader} looks at the file's first record: the
 * CSV header line, the first JSONL object, or the Parquet schema. When it lacks a required
 * column, or is not CSV / JSON / Parquet at all, the import is refused with a **fixed** message
 * that lists the expected columns and quotes nothing of the file. So a path that names some other
 * file (`/etc/passwd`, a `creds.csv`) cannot be read back through an error message. Once the
 * header is recognised, a bad row is quoted as before (`events.csv line 7: value "abc" …`).
 */
import fs from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { CoreError } from '../errors.ts';

/** What an import expects: a name for messages, its columns and the file formats it reads. */
export interface ImportKind {
  /** E.g. `prediction log`. */
  what: string;
  required: readonly string[];
  optional: readonly string[];
  /** Extensions with the dot, lower-case, e.g. `.csv`. */
  extensions: readonly string[];
}

/** Prediction logs (`predictions.import`, prediction-reader.ts). */
export const PREDICTION_IMPORT: ImportKind = {
  what: 'prediction log',
  required: ['confidence', 'label'],
  optional: ['model_version', 'segment', 'unit_id', 'timestamp', 'latency_ms'],
  extensions: ['.csv', '.jsonl', '.ndjson', '.parquet'],
};

/** Metric events (`metrics.importEvents`, metric-events-reader.ts). */
export const METRIC_EVENT_IMPORT: ImportKind = {
  what: 'metric-event file',
  required: ['timestamp', 'unit_id', 'flag_key', 'variant', 'metric', 'value'],
  optional: [],
  extensions: ['.csv', '.jsonl', '.ndjson'],
};

/** Bytes read to find the first record of a CSV or JSONL file. */
const HEAD_BYTES = 64 * 1024;

/**
 * The fixed message for a file whose first record is not a recognised header: it names the file,
 * the line, the first required column missing (when the first record parsed at all) and the
 * expected columns — never anything read from the file.
 */
export function unrecognisedHeaderMessage(
  name: string,
  kind: ImportKind,
  where: { line: number | null; missing: string | null },
): string {
  const optional = kind.optional.length ? ` (optional: ${kind.optional.join(', ')})` : '';
  const first = kind.extensions.includes('.parquet')
    ? 'a CSV header line, the keys of the first JSONL object or the Parquet schema'
    : 'a CSV header line or the keys of the first JSONL object';
  const problem = where.missing === null ? `not a ${kind.what}` : `missing column "${where.missing}"`;
  return (
    `${name}${where.line === null ? '' : ` line ${where.line}`}: ${problem} — expected columns ` +
    `${kind.required.join(', ')}${optional} in ${first}; nothing was imported`
  );
}

/** The first non-blank line of the first {@link HEAD_BYTES} of `file` and its 1-based number. */
function firstLine(file: string): { text: string; line: number } | null {
  const fd = fs.openSync(file, 'r');
  let text: string;
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = fs.readSync(fd, buf, 0, HEAD_BYTES, 0);
    text = buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++)
    if ((lines[i] as string).trim()) return { text: lines[i] as string, line: i + 1 };
  return null;
}

/**
 * Column names of the first record (`null` when it is not a CSV header / JSON object / Parquet
 * schema) and its line (`null` for Parquet).
 */
async function firstRecord(
  file: string,
  ext: string,
): Promise<{ columns: string[] | null; line: number | null }> {
  if (ext === '.parquet') {
    try {
      const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
      return { columns: metadata.schema.slice(1).map((s) => s.name), line: null };
    } catch {
      return { columns: null, line: null };
    }
  }
  const first = firstLine(file);
  if (!first) return { columns: null, line: null };
  if (ext === '.csv') {
    const parsed = Papa.parse<string[]>(first.text, { delimiter: ',', header: false });
    const fields = parsed.errors.length ? null : parsed.data[0];
    return { columns: fields ? fields.map((h) => h.trim()) : null, line: first.line };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(first.text);
  } catch {
    return { columns: null, line: first.line };
  }
  const isObject = typeof raw === 'object' && raw !== null && !Array.isArray(raw);
  return { columns: isObject ? Object.keys(raw as object) : null, line: first.line };
}

/**
 * Refuses a file that is not recognisably of `kind` before anything of it is imported or quoted.
 *
 * Recognised: the extension is one of `kind.extensions`, and the first record (CSV: the first
 * non-blank line, split as CSV and trimmed; JSONL: the first non-blank line as a JSON object;
 * Parquet: the schema's column names) has every required column. Only the first 64 KiB of a
 * CSV/JSONL file are read.
 * @param name how the file is named in messages (its base name, or the name it was uploaded as).
 * @throws CoreError `BAD_INPUT` with a fixed message ({@link unrecognisedHeaderMessage}, or the
 *   accepted extensions) that contains nothing read from the file.
 */
export async function checkImportHeader(file: string, name: string, kind: ImportKind): Promise<void> {
  const ext = path.extname(file).toLowerCase();
  if (!kind.extensions.includes(ext))
    throw new CoreError(
      'BAD_INPUT',
      `${name}: unknown format; a ${kind.what} is ${kind.extensions.join(', ')}`,
    );
  let first: { columns: string[] | null; line: number | null };
  try {
    first = await firstRecord(file, ext);
  } catch {
    throw new CoreError('BAD_INPUT', `${name}: the file could not be read`);
  }
  const { columns, line } = first;
  const missing = columns ? (kind.required.find((c) => !columns.includes(c)) ?? null) : null;
  if (!columns || missing !== null)
    throw new CoreError('BAD_INPUT', unrecognisedHeaderMessage(name, kind, { line, missing }));
}
