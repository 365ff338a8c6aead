/**
 * Streams metric-event files (CSV or JSONL) row by row with validation.
 *
 * Columns (all required): `timestamp` (ISO 8601 with `Z` or an offset, or
 * epoch milliseconds), `unit_id`, `flag_key`, `variant`, `metric`, `value`
 * (a finite number; 0/1 for binomial metrics). A bad row throws
 * {@link MetricFormatError} naming its 1-based line (the CSV header is line 1).
 * The file is never loaded whole: CSV via `csv-parse` on a read stream, JSONL
 * via `readline`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { streamCsvRecords, streamJsonlRecords, type RecordStreamOptions } from '../io/record-stream.ts';

/** One validated metric event. */
export interface MetricEvent {
  /** ms since epoch */
  timestamp: number;
  unitId: string;
  flagKey: string;
  variant: string;
  metric: string;
  value: number;
}

/** Progress of a read: rows so far and bytes of the file consumed. */
export interface ReadProgress {
  rows: number;
  bytesRead: number;
  totalBytes: number;
}

/** The file or one of its rows is not a valid metric-event file. */
export class MetricFormatError extends Error {
  readonly file: string;
  /** 1-based line, or `null` for file-level problems. */
  readonly line: number | null;
  /** The problem without the file and line prefix. */
  readonly detail: string;
  constructor(file: string, line: number | null, detail: string) {
    super(`${path.basename(file)}${line === null ? '' : ` line ${line}`}: ${detail}`);
    this.name = 'MetricFormatError';
    this.file = file;
    this.line = line;
    this.detail = detail;
  }
}

export const EVENT_COLUMNS = ['timestamp', 'unit_id', 'flag_key', 'variant', 'metric', 'value'] as const;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Parses one timestamp cell to epoch ms, or calls `fail`. */
type TimestampParser = (v: unknown, fail: (m: string) => never) => number;

/** `s` at `i`..`i+len` as a decimal number, or −1 when a character is not a digit. */
function digits(s: string, i: number, len: number): number {
  let n = 0;
  for (let j = i; j < i + len; j++) {
    const c = s.charCodeAt(j) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * A timestamp parser for one file. Event logs repeat the same minute for many rows, so for the
 * common UTC forms `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DDTHH:MM:SS.sssZ` the minute prefix
 * (validated and parsed once with `Date.parse`) is cached and only seconds and milliseconds are
 * read per row; any other form takes the full path.
 */
export function createTimestampParser(): TimestampParser {
  let prefix = '';
  let prefixMs = 0;
  const full = (v: unknown, fail: (m: string) => never): number => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v) || v < 0) fail(`timestamp ${v} is not a valid epoch-ms time`);
      return v;
    }
    if (typeof v === 'string') {
      const s = v.trim();
      if (/^\d+$/.test(s)) return Number(s);
      if (ISO.test(s)) {
        const ms = Date.parse(s);
        if (!Number.isNaN(ms)) return ms;
      }
    }
    return fail(
      `timestamp ${JSON.stringify(v ?? null)} is not ISO 8601 with a time zone (e.g. 2026-01-05T10:00:00Z) or epoch ms`,
    );
  };
  return (v, fail) => {
    if (typeof v !== 'string') return full(v, fail);
    const n = v.length;
    if ((n !== 20 && n !== 24) || v.charCodeAt(n - 1) !== 90 /* Z */ || v.charCodeAt(16) !== 58 /* : */)
      return full(v, fail);
    const sec = digits(v, 17, 2);
    const milli = n === 24 ? (v.charCodeAt(19) === 46 /* . */ ? digits(v, 20, 3) : -1) : 0;
    if (sec < 0 || sec > 59 || milli < 0) return full(v, fail);
    if (prefix !== '' && v.startsWith(prefix)) return prefixMs + sec * 1000 + milli;
    const ms = full(v, fail);
    prefix = v.slice(0, 16);
    prefixMs = ms - sec * 1000 - milli;
    return ms;
  };
}

function requiredString(raw: Record<string, unknown>, col: string, fail: (m: string) => never): string {
  const v = raw[col];
  if (v === undefined || v === null || String(v).trim() === '') fail(`${col} is empty`);
  return String(v).trim();
}

/** Validates one raw record; `parseTimestamp` from {@link createTimestampParser} (a new one by default). */
export function toMetricEvent(
  raw: Record<string, unknown>,
  fail: (message: string) => never,
  parseTimestamp: TimestampParser = createTimestampParser(),
): MetricEvent {
  const timestamp = parseTimestamp(raw.timestamp, fail);
  const unitId = requiredString(raw, 'unit_id', fail);
  const flagKey = requiredString(raw, 'flag_key', fail);
  const variant = requiredString(raw, 'variant', fail);
  const metric = requiredString(raw, 'metric', fail);
  const v = raw.value;
  const value = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(value)) fail(`value ${JSON.stringify(v ?? null)} is not a number`);
  return { timestamp, unitId, flagKey, variant, metric, value };
}

type Sink = (e: MetricEvent) => void;
type OnProgress = (p: ReadProgress) => void;

/**
 * Reads every event of `file` (format by extension: .csv, .jsonl/.ndjson), calling `onEvent` for each.
 * @returns the number of events.
 * @throws MetricFormatError for a bad row, a missing column, an empty file or an unknown extension.
 */
export async function readMetricEvents(
  file: string,
  onEvent: Sink,
  onProgress?: OnProgress,
): Promise<number> {
  const ext = path.extname(file).toLowerCase();
  let totalBytes: number;
  try {
    totalBytes = fs.statSync(file).size;
  } catch {
    throw new MetricFormatError(file, null, 'file not found or not readable');
  }
  let rows: number;
  if (ext === '.csv') rows = await readCsv(file, totalBytes, onEvent, onProgress);
  else if (ext === '.jsonl' || ext === '.ndjson')
    rows = await readJsonl(file, totalBytes, onEvent, onProgress);
  else throw new MetricFormatError(file, null, `unknown format "${ext}": use .csv or .jsonl`);
  if (rows === 0) throw new MetricFormatError(file, null, 'the file has no metric events');
  onProgress?.({ rows, bytesRead: totalBytes, totalBytes });
  return rows;
}

function recordOptions(file: string, onEvent: Sink, onProgress?: OnProgress): RecordStreamOptions {
  const parseTimestamp = createTimestampParser();
  return {
    requiredColumns: EVENT_COLUMNS,
    onProgress,
    formatError: (line, message) => new MetricFormatError(file, line, message),
    onRecord: (raw, line) =>
      onEvent(
        toMetricEvent(
          raw,
          (m) => {
            throw new MetricFormatError(file, line, m);
          },
          parseTimestamp,
        ),
      ),
  };
}

function readCsv(file: string, totalBytes: number, onEvent: Sink, onProgress?: OnProgress): Promise<number> {
  return streamCsvRecords(file, totalBytes, recordOptions(file, onEvent, onProgress));
}

function readJsonl(
  file: string,
  totalBytes: number,
  onEvent: Sink,
  onProgress?: OnProgress,
): Promise<number> {
  return streamJsonlRecords(file, totalBytes, recordOptions(file, onEvent, onProgress));
}
