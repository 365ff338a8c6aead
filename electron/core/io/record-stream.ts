/**
 * Streams the records of a CSV or JSONL file as plain objects keyed by column,
 * with 1-based line numbers, checking required columns and refusing a column named twice (a CSV
 * header, or a key repeated in a JSONL object, where the last one would silently win) — the shared
 * reading loop of the prediction-log and metric-event imports. The file is never
 * loaded whole: CSV through Papa Parse (rows handled inside its synchronous
 * `step` callback, so no record objects are queued), JSONL through `readline`.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import Papa from 'papaparse';

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

/** `duplicate column "x" in the header (columns 2 and 5)` (1-based) for the first repeated name, else null. */
function duplicateColumn(columns: readonly string[]): string | null {
  const seen = new Map<string, number>();
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i] as string;
    const first = seen.get(c);
    if (first !== undefined)
      return `duplicate column "${c}" in the header (columns ${first + 1} and ${i + 1})`;
    seen.set(c, i);
  }
  return null;
}

/**
 * The keys of the outermost object of the JSON text `s` (valid JSON: it parsed), in order,
 * duplicates kept — what `JSON.parse` folds into one (the last wins). Counts only when `names` is
 * false (the common check: compare with the parsed object's key count), ~0.4 µs for a 130-byte
 * line here.
 */
function topLevelKeys(s: string, names: false): number;
function topLevelKeys(s: string, names: true): string[];
function topLevelKeys(s: string, names: boolean): number | string[] {
  let depth = 0;
  let count = 0;
  const out: string[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 /* " */) {
      let j = i + 1;
      for (;;) {
        const q = s.charCodeAt(j);
        if (q === 92 /* \ */) j += 2;
        else if (q === 34) break;
        else j++;
      }
      if (depth === 1) {
        let k = j + 1;
        while (s.charCodeAt(k) <= 32) k++;
        if (s.charCodeAt(k) === 58 /* : */) {
          count++;
          if (names) out.push(JSON.parse(s.slice(i, j + 1)) as string);
        }
      }
      i = j;
    } else if (c === 123 /* { */ || c === 91 /* [ */) depth++;
    else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return names ? out : count;
}

/** `duplicate key "x"` when the JSON object text `text` (parsed into `raw`) repeats a key, else null. */
function duplicateKey(text: string, raw: object): string | null {
  if (topLevelKeys(text, false) === Object.keys(raw).length) return null;
  const seen = new Set<string>();
  for (const k of topLevelKeys(text, true)) {
    if (seen.has(k)) return `duplicate key "${k}"`;
    seen.add(k);
  }
  return null;
}

/** True for a parsed line with no content (a blank line). */
const isBlank = (fields: string[]): boolean => fields.length === 1 && (fields[0] as string).trim() === '';

/** Newlines inside quoted fields of a record, so line numbers stay those of the file. */
function embeddedNewlines(fields: string[]): number {
  let n = 0;
  for (const f of fields) for (let i = f.indexOf('\n'); i !== -1; i = f.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Reads a CSV file (header on line 1) with Papa Parse in streaming mode: each record is handled
 * in its `step` callback, so no record objects are queued. Blank lines are skipped (and counted);
 * a header naming a column twice, a record with a different number of fields than the header, or
 * broken quoting, is a format error at its line.
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
  let line = 0;
  let header: string[] | null = null;
  let failure: Error | null = null;
  const raw: Record<string, unknown> = {};
  const handle = (fields: string[], errors: Papa.ParseError[]): void => {
    line++;
    const first = line;
    line += embeddedNewlines(fields);
    if (errors.length > 0)
      throw o.formatError(first, `malformed CSV: ${(errors[0] as Papa.ParseError).message}`);
    if (isBlank(fields)) return;
    if (header === null) {
      header = fields.map((h) => h.trim());
      const duplicate = duplicateColumn(header);
      if (duplicate) throw o.formatError(first, duplicate);
      const missing = missingColumn(header, o.requiredColumns);
      if (missing) throw o.formatError(first, missing);
      return;
    }
    if (fields.length !== header.length)
      throw o.formatError(first, `expected ${header.length} fields like the header, found ${fields.length}`);
    for (let i = 0; i < header.length; i++) raw[header[i] as string] = (fields[i] as string).trim();
    o.onRecord(raw, first);
    if (++rows % PROGRESS_EVERY === 0) o.onProgress?.({ rows, bytesRead: stream.bytesRead, totalBytes });
  };
  await new Promise<void>((resolve, reject) => {
    stream.on('error', (e) => reject(failure ?? o.formatError(null, e.message)));
    Papa.parse<string[]>(stream, {
      header: false,
      delimiter: ',',
      dynamicTyping: false,
      skipEmptyLines: false,
      step: (result, parser) => {
        if (failure) return;
        try {
          handle(result.data, result.errors);
        } catch (error) {
          failure = error as Error;
          parser.abort();
          stream.destroy();
        }
      },
      complete: () => resolve(),
      error: (e: Error) => reject(failure ?? o.formatError(null, e.message)),
    });
  });
  if (failure) throw failure;
  return rows;
}

/**
 * Reads a JSONL file (one JSON object a line; blank lines skipped but counted). A line whose
 * object repeats a key (at its top level) is a format error.
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
      const duplicate = duplicateKey(text, raw);
      if (duplicate) throw o.formatError(line, duplicate);
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
