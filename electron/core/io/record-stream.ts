/**
 * Streams the records of a CSV or JSONL file as plain objects keyed by column,
 * with 1-based line numbers, checking required columns — the shared reading
 * loop of the prediction-log and metric-event imports. The file is never
 * loaded whole: CSV through `csv-parse` (rows handled inside its synchronous
 * `on_record` hook, so no record objects are queued), JSONL through `readline`.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { parse } from 'csv-parse';

/** Rows handled so far and bytes of the file consumed. */
export interface StreamProgress {
  rows: number;
  bytesRead: number;
  totalBytes: number;
}

/** How a reader wants records delivered and errors built. */
export interface RecordStreamOptions {
  /** Columns every record must have (CSV: in the header; JSONL: as keys of every line). */
  requiredColumns: readonly string[];
  /**
   * Called for every record with its line; throw to stop the read. The object is reused between
   * calls: copy what you keep.
   */
  onRecord: (raw: Record<string, unknown>, line: number) => void;
  onProgress?: (p: StreamProgress) => void;
  /** Builds the error thrown for a format problem at `line` (`null`: the whole file). */
  formatError: (line: number | null, message: string) => Error;
}

const PROGRESS_EVERY = 50_000;

function missingColumn(columns: readonly string[], required: readonly string[]): string | null {
  const missing = required.find((c) => !columns.includes(c));
  return missing === undefined
    ? null
    : `missing column "${missing}" (found: ${columns.join(', ') || 'none'})`;
}

/**
 * Reads a CSV file (header on line 1).
 * @returns the number of records handled.
 * @throws what `formatError` builds, or what `onRecord` throws.
 */
export async function streamCsvRecords(
  file: string,
  totalBytes: number,
  o: RecordStreamOptions,
): Promise<number> {
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  let rows = 0;
  let header: string[] | null = null;
  let failure: Error | null = null;
  const raw: Record<string, unknown> = {};
  const parser = parse({
    skip_empty_lines: true,
    on_record: (record: string[], context: { lines: number }) => {
      if (failure) return null;
      try {
        if (header === null) {
          header = record.map((h) => h.trim());
          const missing = missingColumn(header, o.requiredColumns);
          if (missing) throw o.formatError(1, missing);
          return null;
        }
        for (let i = 0; i < header.length; i++) raw[header[i] as string] = record[i]?.trim();
        o.onRecord(raw, context.lines);
        if (++rows % PROGRESS_EVERY === 0) o.onProgress?.({ rows, bytesRead: stream.bytesRead, totalBytes });
      } catch (error) {
        failure = error as Error;
        stream.destroy();
        parser.end();
      }
      return null;
    },
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('readable', () => {
      while (parser.read() !== null);
    });
    parser.on('end', resolve);
    parser.on('close', resolve);
    parser.on('error', (e: Error & { lines?: number }) =>
      reject(failure ?? o.formatError(e.lines ?? null, e.message)),
    );
    stream.on('error', (e) => reject(failure ?? o.formatError(null, e.message)));
    stream.pipe(parser);
  });
  if (failure) throw failure;
  return rows;
}

/**
 * Reads a JSONL file (one JSON object a line; blank lines skipped but counted).
 * @returns the number of records handled.
 * @throws what `formatError` builds, or what `onRecord` throws.
 */
export async function streamJsonlRecords(
  file: string,
  totalBytes: number,
  o: RecordStreamOptions,
): Promise<number> {
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  let rows = 0;
  try {
    for await (const text of lines) {
      line++;
      if (!text.trim()) continue;
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (e) {
        throw o.formatError(line, `not valid JSON (${(e as Error).message})`);
      }
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        throw o.formatError(line, 'each line must be a JSON object');
      const missing = o.requiredColumns.find((c) => !(c in (raw as object)));
      if (missing !== undefined) throw o.formatError(line, `missing "${missing}"`);
      o.onRecord(raw as Record<string, unknown>, line);
      if (++rows % PROGRESS_EVERY === 0) o.onProgress?.({ rows, bytesRead: stream.bytesRead, totalBytes });
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  return rows;
}
