/**
 * Streams metric-event files (CSV or JSONL) row by row with validation.
 *
 * Columns (all required): `timestamp` (ISO 8601 with `Z` or an offset, or
 * epoch milliseconds; a real calendar date and time within {@link TIMESTAMP_RANGE}),
 * `unit_id`, `flag_key`, `variant`, `metric`, `value` (a finite number of at most
 * {@link MAX_ABS_VALUE} in magnitude; 0/1 for binomial metrics). A bad row throws
 * {@link MetricFormatError} naming its 1-based line (the CSV header is line 1) and
 * column. The file is never loaded whole: CSV via Papa Parse on a read stream,
 * JSONL via `readline` (`../io/record-stream.ts`, which also refuses a column named twice).
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
  /** The column (`timestamp`, `value`, …) a row problem is in, or `null` (file, header or line problems). */
  readonly column: string | null;
  /** The problem without the file and line prefix. */
  readonly detail: string;
  constructor(file: string, line: number | null, detail: string, column: string | null = null) {
    super(`${path.basename(file)}${line === null ? '' : ` line ${line}`}: ${detail}`);
    this.name = 'MetricFormatError';
    this.file = file;
    this.line = line;
    this.column = column;
    this.detail = detail;
  }
}

/** The columns every metric-event file must have (see the module docs). */
export const EVENT_COLUMNS = ['timestamp', 'unit_id', 'flag_key', 'variant', 'metric', 'value'] as const;

/**
 * Timestamps accepted: `from <= t < to`, ms since epoch — 2000-01-01T00:00:00Z up to and
 * including 2099-12-31T23:59:59.999Z. Wider than any real event log, narrow enough that a unit
 * mistake (epoch seconds, microseconds) or a garbage value is refused on its line instead of being
 * stored (years 1 and 9999 used to be accepted; 10^23 failed inside SQLite without a line).
 */
export const TIMESTAMP_RANGE = { from: Date.UTC(2000, 0, 1), to: Date.UTC(2100, 0, 1) } as const;

/**
 * Largest |value| accepted: 10^15. Its square (10^30) summed over even 10^270 events stays
 * finite, so a rollup's sum of squares never becomes Infinity (1e300 did); doubles are exact for
 * integers only up to 2^53 ≈ 9·10^15 anyway.
 */
export const MAX_ABS_VALUE = 1e15;

const RANGE_TEXT = '2000-01-01T00:00:00Z … 2099-12-31T23:59:59Z';

/** `YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH[:]MM)`, with the fields captured. */
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):?(\d{2}))$/;

/** Reports a problem in `column` of the current row (throws). */
export type RowFail = (message: string, column: string) => never;

/** Parses one timestamp cell to epoch ms, or calls `fail`. */
type TimestampParser = (v: unknown, fail: RowFail) => number;

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

/** Days in `month` (1–12) of `year` (proleptic Gregorian). */
const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * Why the fields of an ISO timestamp matched by {@link ISO} are not a real date and time (e.g.
 * `2026-02 has 28 days`, `hour 24`), or null when they are. `Date.parse` would roll 2026-02-31
 * over to 3 March and 24:00 to the next day.
 */
function calendarProblem(m: RegExpExecArray): string | null {
  const [year, month, day, hour, minute, second, offH, offM] = m
    .slice(1)
    .map((x) => (x === undefined ? 0 : Number(x)));
  const y = year as number;
  const mo = month as number;
  if (mo < 1 || mo > 12) return `is not a calendar date: month ${mo}`;
  const dim = daysIn(y, mo);
  if ((day as number) < 1 || (day as number) > dim)
    return `is not a calendar date: ${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')} has ${dim} days`;
  if ((hour as number) > 23) return `is not a valid time: hour ${hour}`;
  if ((minute as number) > 59) return `is not a valid time: minute ${minute}`;
  if ((second as number) > 59) return `is not a valid time: second ${second}`;
  if ((offH as number) > 23 || (offM as number) > 59) return `has an invalid UTC offset`;
  return null;
}

/**
 * A timestamp parser for one file. Event logs repeat the same minute for many rows, so for the
 * common UTC forms `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DDTHH:MM:SS.sssZ` the minute prefix
 * (validated and parsed once) is cached and only seconds and milliseconds are read per row; any
 * other form takes the full path. Either way the result is a real calendar date and time within
 * {@link TIMESTAMP_RANGE}.
 */
export function createTimestampParser(): TimestampParser {
  let prefix = '';
  let prefixMs = 0;
  const inRange = (ms: number, v: unknown, fail: RowFail, epoch: boolean): number => {
    if (ms >= TIMESTAMP_RANGE.from && ms < TIMESTAMP_RANGE.to) return ms;
    const seconds = epoch && ms * 1000 >= TIMESTAMP_RANGE.from && ms * 1000 < TIMESTAMP_RANGE.to;
    return fail(
      `timestamp ${JSON.stringify(v)} is outside the supported range ${RANGE_TEXT}${seconds ? '; epoch timestamps are milliseconds (this looks like seconds)' : ''}`,
      'timestamp',
    );
  };
  const full = (v: unknown, fail: RowFail): number => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail(`timestamp ${v} is not a valid epoch-ms time`, 'timestamp');
      return inRange(v, v, fail, true);
    }
    if (typeof v === 'string') {
      const s = v.trim();
      if (/^\d+$/.test(s)) return inRange(Number(s), v, fail, true);
      const m = ISO.exec(s);
      if (m) {
        const problem = calendarProblem(m);
        if (problem) return fail(`timestamp ${JSON.stringify(v)} ${problem}`, 'timestamp');
        const ms = Date.parse(s);
        if (!Number.isNaN(ms)) return inRange(ms, v, fail, false);
      }
    }
    return fail(
      `timestamp ${JSON.stringify(v ?? null)} is not ISO 8601 with a time zone (e.g. 2026-01-05T10:00:00Z) or epoch ms`,
      'timestamp',
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

function requiredString(raw: Record<string, unknown>, col: string, fail: RowFail): string {
  const v = raw[col];
  if (v === undefined || v === null || String(v).trim() === '') fail(`${col} is empty`, col);
  return String(v).trim();
}

/**
 * Validates one raw record; `parseTimestamp` from {@link createTimestampParser} (a new one by
 * default). `fail(message, column)` is called (and must throw) for the first bad cell.
 */
export function toMetricEvent(
  raw: Record<string, unknown>,
  fail: RowFail,
  parseTimestamp: TimestampParser = createTimestampParser(),
): MetricEvent {
  const timestamp = parseTimestamp(raw.timestamp, fail);
  const unitId = requiredString(raw, 'unit_id', fail);
  const flagKey = requiredString(raw, 'flag_key', fail);
  const variant = requiredString(raw, 'variant', fail);
  const metric = requiredString(raw, 'metric', fail);
  const v = raw.value;
  const value = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(value)) fail(`value ${JSON.stringify(v ?? null)} is not a number`, 'value');
  if (Math.abs(value) > MAX_ABS_VALUE)
    fail(
      `value ${JSON.stringify(v)} is too large: |value| must be at most ${MAX_ABS_VALUE.toExponential()} so sums of squares stay finite`,
      'value',
    );
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
          (m, column) => {
            throw new MetricFormatError(file, line, m, column);
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
