/**
 * Browser-mode imports by upload: the browser sends the file's bytes, never a path.
 *
 * `POST /api/upload/<channel>?name=<file name>&input=<JSON of the other fields>` with the session
 * token (`x-rcr-token`) and `Content-Type: application/octet-stream`; the body is the file. The
 * server streams it into a private folder of the data folder (`<dataDir>/imports/u-<random>/<name>`:
 * folder 0700, file 0600, at most `maxBytes`), runs the channel's ordinary import on that file
 * (`{...input, path}` through `api.invoke`, so progress events, all-or-nothing and the bad-line
 * message are those of any import), deletes the folder, and answers the channel's `Result`.
 *
 * Over `/api/invoke`, the channels in {@link UPLOAD_CHANNELS} are refused outright (http-server.ts):
 * a browser-mode client can never make the server open a path of its choosing.
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { Channel, RcrApi, Result } from '../../shared/contract.ts';
import { keysFromText } from '../core/audience/key-file.ts';
import { toApiError } from '../core/errors.ts';

/** Channels that take a server path, with the file extensions an upload of each may have. */
export const UPLOAD_CHANNELS: ReadonlyMap<Channel, readonly string[]> = new Map<Channel, readonly string[]>([
  ['predictions.import', ['.csv', '.jsonl', '.ndjson', '.parquet']],
  ['metrics.importEvents', ['.csv', '.jsonl', '.ndjson']],
]);

/**
 * Channels whose key list may come as an uploaded file instead of one JSON body — a million
 * targeting keys do not fit the 2 MiB cap of `/api/invoke` — with the extensions allowed. The
 * server reads the keys from the uploaded file (one per line, or a CSV `key` column: the same
 * parser as the desktop's file picker) and calls the channel with them. Pasted keys still go
 * through `/api/invoke`.
 */
export const KEY_UPLOAD_CHANNELS: ReadonlyMap<Channel, readonly string[]> = new Map<
  Channel,
  readonly string[]
>([['flag.previewAudience', ['.txt', '.csv']]]);

/** Default cap of one upload: 512 MiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

/** Longest file name kept (characters). */
const MAX_NAME = 100;

/** An answer of the upload endpoint: the HTTP status and the JSON `Result`. */
export interface UploadAnswer {
  status: number;
  result: Result<unknown>;
}

/** What the endpoint needs: the API, the folder for uploads, the cap, and the live uploads. */
export interface UploadContext {
  api: RcrApi;
  /** `<dataDir>/imports`; created 0700 on the first upload. */
  dir: string;
  /** Largest body accepted, bytes. */
  maxBytes: number;
  /** Temp path → the name it was uploaded as, while its import runs (for progress events). */
  live: Map<string, string>;
}

const refusal = (status: number, code: 'BAD_INPUT' | 'FORBIDDEN', message: string): UploadAnswer => ({
  status,
  result: { ok: false, error: { code, message } },
});

/** `n` bytes as the largest whole unit (`64 KiB`, `512 MiB`). */
export function formatBytes(n: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const)
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  return `${n} bytes`;
}

/**
 * The file name an upload is stored under: the base name of `raw` with every character outside
 * `A–Z a–z 0–9 . _ -` and space replaced by `_`, at most 100 characters, not starting with a dot.
 * @returns the name, or `null` when it is empty or its extension is not one of `extensions`.
 */
export function safeUploadName(raw: string | null, extensions: readonly string[]): string | null {
  if (!raw) return null;
  let name = raw
    .split(/[\\/]/)
    .pop()!
    .replace(/[^A-Za-z0-9._ -]/g, '_')
    .replace(/^[.\s]+/, '');
  if (name.length > MAX_NAME) name = name.slice(name.length - MAX_NAME);
  return name && extensions.includes(path.extname(name).toLowerCase()) ? name : null;
}

/**
 * Writes the request body to `file` (created exclusively, mode 0600), at most `max` bytes.
 * @returns `too-large` as soon as the body passes `max` (the partial file is closed; the rest of
 *   the body is read and dropped so the 413 answer reaches the client instead of a reset).
 * @throws when the client aborts or the file cannot be written.
 */
function receive(req: http.IncomingMessage, file: string, max: number): Promise<'ok' | 'too-large'> {
  return new Promise((resolve, reject) => {
    const out = fs.createWriteStream(file, { flags: 'wx', mode: 0o600 });
    let size = 0;
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > max) {
        out.destroy();
        req.resume();
        settle(() => resolve('too-large'));
      } else if (!out.write(chunk)) {
        req.pause();
        out.once('drain', () => req.resume());
      }
    });
    req.on('end', () => {
      if (!settled) out.end(() => settle(() => resolve('ok')));
    });
    req.on('close', () => {
      if (!req.complete) {
        out.destroy();
        settle(() => reject(new Error('the upload was aborted')));
      }
    });
    out.on('error', (error) => {
      req.resume();
      settle(() => reject(error));
    });
  });
}

/**
 * Handles one upload (the caller has checked Host/Origin, the token, the content type and that
 * the session is not read-only).
 * @returns 200 with the channel's `Result` (an import error is a `Result` too: `BAD_INPUT` with
 *   the bad line, quoting the uploaded name); 400 for a missing/unsupported name or bad `input`;
 *   404 for a channel that takes no file; 413 over the cap (the message names the limit).
 */
export async function handleUpload(
  req: http.IncomingMessage,
  channel: string,
  query: URLSearchParams,
  ctx: UploadContext,
): Promise<UploadAnswer> {
  const keyList = KEY_UPLOAD_CHANNELS.get(channel as Channel);
  const extensions = UPLOAD_CHANNELS.get(channel as Channel) ?? keyList;
  if (!extensions)
    return refusal(
      404,
      'BAD_INPUT',
      `"${channel}" takes no file (uploads: ${[...UPLOAD_CHANNELS.keys(), ...KEY_UPLOAD_CHANNELS.keys()].join(', ')})`,
    );
  const name = safeUploadName(query.get('name'), extensions);
  if (!name) return refusal(400, 'BAD_INPUT', `name: the file name must end in ${extensions.join(', ')}`);
  let fields: Record<string, unknown> = {};
  try {
    const raw: unknown = JSON.parse(query.get('input') ?? '{}');
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not an object');
    fields = raw as Record<string, unknown>;
  } catch {
    return refusal(400, 'BAD_INPUT', 'input: must be a JSON object of the other fields');
  }
  const tooLarge = (): UploadAnswer =>
    refusal(413, 'BAD_INPUT', `the file is larger than the upload limit of ${formatBytes(ctx.maxBytes)}`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > ctx.maxBytes) return tooLarge();

  fs.mkdirSync(ctx.dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(ctx.dir, 0o700);
  const folder = fs.mkdtempSync(path.join(ctx.dir, 'u-'));
  const file = path.join(folder, name);
  try {
    if ((await receive(req, file, ctx.maxBytes)) === 'too-large') return tooLarge();
    ctx.live.set(file, name);
    let input: Record<string, unknown>;
    if (keyList) {
      // A key list: read here, passed on as the channel's `keys` (its limits apply as usual).
      try {
        input = { ...fields, keys: keysFromText(fs.readFileSync(file, 'utf8'), name) };
      } catch (error) {
        return { status: 200, result: { ok: false, error: toApiError(error) } };
      }
    }
    // The server names the file; a `path` in the client's fields is overwritten.
    else input = { ...fields, path: file };
    return { status: 200, result: await ctx.api.invoke(channel as Channel, input as never) };
  } finally {
    ctx.live.delete(file);
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Removes upload folders (`u-*`) older than `maxAgeMs` that a crashed server left behind. Younger
 * ones may belong to an upload another process sharing the data folder is running, and stay.
 * @returns how many were removed.
 */
export function sweepStaleUploads(dir: string, now: number, maxAgeMs = 24 * 3600_000): number {
  let removed = 0;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith('u-')) continue;
    const folder = path.join(dir, name);
    try {
      if (now - fs.statSync(folder).mtimeMs > maxAgeMs) {
        fs.rmSync(folder, { recursive: true, force: true });
        removed++;
      }
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}

/**
 * An event payload as browser clients see it: a progress event of an upload names the uploaded
 * file, never its temp path on the server.
 */
export function clientPayload(payload: unknown, live: ReadonlyMap<string, string>): unknown {
  if (typeof payload !== 'object' || payload === null || !('path' in payload)) return payload;
  const shown = live.get((payload as { path: unknown }).path as string);
  return shown === undefined ? payload : { ...payload, path: shown };
}
