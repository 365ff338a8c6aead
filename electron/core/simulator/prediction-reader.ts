/**
 * Streams prediction logs (CSV, JSONL, Parquet) row by row with validation.
 *
 * Columns: `confidence` (0–1) and `label` (0/1) are required; `model_version`,
 * `segment`, `unit_id`, `timestamp`, `latency_ms` are optional. A bad row
 * throws {@link PredictionFormatError} naming its line (CSV/JSONL, 1-based,
 * the header is line 1 in CSV) or row (Parquet). The file is never loaded
 * whole: CSV via `csv-parse` on a read stream, JSONL via `readline`, Parquet
 * one row group at a time via `hyparquet`.
 */
import type { ErrorCode } from '../../../shared/contract.ts';
import fs from 'node:fs';
import path from 'node:path';
import { streamCsvRecords, streamJsonlRecords, type RecordStreamOptions } from '../io/record-stream.ts';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';

/** One validated prediction. */
export interface PredictionRow {
  /** 0–1 */
  confidence: number;
  /** 1 = positive (the AI answer was right / the true class is positive), 0 = negative. */
  label: 0 | 1;
  modelVersion: string | null;
  segment: string | null;
  unitId: string | null;
  timestamp: string | null;
  /** ms */
  latencyMs: number | null;
}

/** Progress of a read: rows so far and bytes of the file consumed. */
export interface ReadProgress {
  rows: number;
  bytesRead: number;
  totalBytes: number;
}

/** The file or one of its rows is not a valid prediction log. */
export class PredictionFormatError extends Error {
  /** The contract error code this maps to (`toApiError` in `errors.ts`). */
  readonly apiCode: ErrorCode = 'BAD_INPUT';
  /** 1-based line (CSV/JSONL) or row (Parquet) number, or `null` for file-level problems. */
  readonly line: number | null;
  constructor(file: string, line: number | null, message: string, unit: 'line' | 'row' = 'line') {
    super(`${path.basename(file)}${line === null ? '' : ` ${unit} ${line}`}: ${message}`);
    this.name = 'PredictionFormatError';
    this.line = line;
  }
}

/** Columns every prediction log must have: `confidence` (0–1) and `label` (0 or 1). */
export const REQUIRED_COLUMNS = ['confidence', 'label'] as const;

const optionalString = (v: unknown): string | null =>
  v === undefined || v === null || v === '' ? null : String(v);

/** Validates one raw record; `where` is used in error messages. Pure. */
export function toPredictionRow(
  raw: Record<string, unknown>,
  fail: (message: string) => never,
): PredictionRow {
  const c = raw.confidence;
  const confidence = typeof c === 'number' ? c : typeof c === 'string' && c.trim() !== '' ? Number(c) : NaN;
  if (Number.isNaN(confidence)) fail(`confidence ${JSON.stringify(c ?? null)} is not a number`);
  if (confidence < 0 || confidence > 1) fail(`confidence ${confidence} must be between 0 and 1`);
  const l = raw.label;
  const label = l === 1 || l === '1' || l === true ? 1 : l === 0 || l === '0' || l === false ? 0 : null;
  if (label === null) fail(`label ${JSON.stringify(l ?? null)} must be 0 or 1`);
  const lat = raw.latency_ms;
  let latencyMs: number | null = null;
  if (lat !== undefined && lat !== null && lat !== '') {
    latencyMs = Number(lat);
    if (!Number.isFinite(latencyMs) || latencyMs < 0)
      fail(`latency_ms ${JSON.stringify(lat)} must be a non-negative number`);
  }
  return {
    confidence,
    label: label as 0 | 1,
    modelVersion: optionalString(raw.model_version),
    segment: optionalString(raw.segment),
    unitId: optionalString(raw.unit_id),
    timestamp: optionalString(raw.timestamp),
    latencyMs,
  };
}

function checkColumns(file: string, columns: string[], unit: 'line' | 'row'): void {
  for (const col of REQUIRED_COLUMNS)
    if (!columns.includes(col))
      throw new PredictionFormatError(
        file,
        unit === 'line' ? 1 : null,
        `missing column "${col}" (found: ${columns.join(', ') || 'none'})`,
        unit,
      );
}

type Sink = (row: PredictionRow) => void;
type OnProgress = (p: ReadProgress) => void;

/**
 * Reads every row of `file` (format by extension: .csv, .jsonl/.ndjson, .parquet), calling `onRow` for each.
 * @returns the number of rows.
 * @throws PredictionFormatError for a bad row, a missing column, an empty file or an unknown extension.
 */
export async function readPredictions(file: string, onRow: Sink, onProgress?: OnProgress): Promise<number> {
  const ext = path.extname(file).toLowerCase();
  let totalBytes: number;
  try {
    totalBytes = fs.statSync(file).size;
  } catch {
    throw new PredictionFormatError(file, null, 'file not found or not readable');
  }
  let rows = 0;
  if (ext === '.csv') rows = await readCsv(file, totalBytes, onRow, onProgress);
  else if (ext === '.jsonl' || ext === '.ndjson') rows = await readJsonl(file, totalBytes, onRow, onProgress);
  else if (ext === '.parquet') rows = await readParquet(file, totalBytes, onRow, onProgress);
  else throw new PredictionFormatError(file, null, `unknown format "${ext}": use .csv, .jsonl or .parquet`);
  if (rows === 0) throw new PredictionFormatError(file, null, 'the file has no prediction rows');
  onProgress?.({ rows, bytesRead: totalBytes, totalBytes });
  return rows;
}

function readCsv(file: string, totalBytes: number, onRow: Sink, onProgress?: OnProgress): Promise<number> {
  return streamCsvRecords(file, totalBytes, recordOptions(file, onRow, onProgress));
}

function readJsonl(file: string, totalBytes: number, onRow: Sink, onProgress?: OnProgress): Promise<number> {
  return streamJsonlRecords(file, totalBytes, recordOptions(file, onRow, onProgress));
}

function recordOptions(file: string, onRow: Sink, onProgress?: OnProgress): RecordStreamOptions {
  return {
    requiredColumns: REQUIRED_COLUMNS,
    onProgress,
    formatError: (line, message) => new PredictionFormatError(file, line, message),
    onRecord: (raw, line) =>
      onRow(
        toPredictionRow(raw, (m) => {
          throw new PredictionFormatError(file, line, m);
        }),
      ),
  };
}

async function readParquet(
  file: string,
  totalBytes: number,
  onRow: Sink,
  onProgress?: OnProgress,
): Promise<number> {
  const buffer = await asyncBufferFromFile(file);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (e) {
    throw new PredictionFormatError(file, null, `not a Parquet file (${(e as Error).message})`, 'row');
  }
  const columns = metadata.schema.slice(1).map((s) => s.name);
  checkColumns(file, columns, 'row');
  const wanted = [
    'confidence',
    'label',
    'model_version',
    'segment',
    'unit_id',
    'timestamp',
    'latency_ms',
  ].filter((c) => columns.includes(c));
  let rowStart = 0;
  let rows = 0;
  let bytesRead = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const objects = await parquetReadObjects({ file: buffer, metadata, columns: wanted, rowStart, rowEnd });
    for (const raw of objects) {
      rows++;
      onRow(
        toPredictionRow(raw as Record<string, unknown>, (m) => {
          throw new PredictionFormatError(file, rows, m, 'row');
        }),
      );
    }
    bytesRead += Number(group.total_byte_size);
    onProgress?.({ rows, bytesRead: Math.min(bytesRead, totalBytes), totalBytes });
    rowStart = rowEnd;
  }
  return rows;
}
