/**
 * The one {@link RcrApi} the stores talk to.
 *
 * `main.tsx` installs the real transport (Electron preload or HTTP); unit tests
 * install the mock. Nothing here ever picks a fallback on its own.
 */
import type { ChannelInput, ChannelOutput, RcrApi, Result } from '../../shared/contract.ts';

let current: RcrApi | null = null;
let currentUploader: Uploader | null = null;

/**
 * Channels that take a file: the imports (a server path on the desktop, the file's bytes in browser
 * mode) and the audience preview's key list (too large for one JSON body when it is a big file).
 */
export type UploadChannel = 'predictions.import' | 'metrics.importEvents' | 'flag.previewAudience';

/** The fields sent with an upload: the channel's input without its `path` (or, for a key list, `keys`). */
export type UploadFields<C extends UploadChannel> = C extends 'flag.previewAudience'
  ? Omit<ChannelInput<C>, 'keys'>
  : Omit<ChannelInput<C>, 'path'>;

/** Bytes of an upload sent so far, of `total`. */
export interface UploadProgress {
  sent: number;
  total: number;
}

/**
 * Browser mode's import transport: uploads the file's bytes (`POST /api/upload/<channel>`) and
 * runs the channel's import on them; the server never takes a path from a browser.
 */
export interface Uploader {
  /**
   * @param fields the channel's other fields (everything but `path`).
   * @param onProgress called as the browser sends the body.
   * @returns the channel's `Result` (an import error names the bad line of the uploaded file).
   */
  upload<C extends UploadChannel>(
    channel: C,
    file: Blob & { readonly name: string },
    fields: UploadFields<C>,
    onProgress?: (p: UploadProgress) => void,
  ): Promise<Result<ChannelOutput<C>>>;
}

/** Install the uploader (browser mode); `null` where imports take a path (desktop, mock). */
export function setUploader(uploader: Uploader | null): void {
  currentUploader = uploader;
}

/** The installed uploader, or `null`: imports then name a path on the machine running the core. */
export function uploader(): Uploader | null {
  return currentUploader;
}

/** Install the API used by every store action. */
export function setApi(api: RcrApi): void {
  current = api;
}

/** The installed API; throws if none was installed (a programming error). */
export function api(): RcrApi {
  if (!current) throw new Error('rcr: no API installed (call setApi first)');
  return current;
}
