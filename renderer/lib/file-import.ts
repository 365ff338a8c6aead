/**
 * The import-with-progress model both file imports share (prediction logs, metric events).
 *
 * One run: the chosen file is uploaded when an {@link uploader} is installed (browser mode: the
 * server never reads a path a browser names), else the path is sent to the core (desktop app).
 * Meanwhile the channel's progress event is listened to, filtered by path; the answer is dropped
 * when the store moved on (another flag opened, reset), otherwise the run ends `failed` with the
 * error or `succeeded` with the result.
 */
import type {
  ApiError,
  ChannelInput,
  ChannelOutput,
  EventName,
  EventPayload,
} from '../../shared/contract.ts';
import { api, uploader, type UploadChannel, type UploadFields, type UploadProgress } from '../api/current.ts';

/** Each import channel and the push event that reports its progress. */
export const IMPORT_PROGRESS_EVENTS = {
  'predictions.import': 'predictions.progress',
  'metrics.importEvents': 'metrics.progress',
} as const satisfies Partial<Record<UploadChannel, EventName>>;

/** A channel that imports a file with progress: `predictions.import` or `metrics.importEvents`. */
export type ImportChannel = keyof typeof IMPORT_PROGRESS_EVENTS;

/** The progress event of import channel `C`. */
export type ImportProgressEvent<C extends ImportChannel> = (typeof IMPORT_PROGRESS_EVENTS)[C];

/** Where an import is: not started, running, failed or done. */
export type ImportRunStatus = 'idle' | 'importing' | 'failed' | 'succeeded';

/** The part of an import dialog's state a run reads (the file or path) and writes (the rest). */
export interface ImportRunState<C extends ImportChannel> {
  /** A path on the machine running the core (desktop app). */
  path: string;
  /** The chosen file (browser mode: uploaded). */
  file: File | null;
  /** Bytes of the upload sent so far, or `null`. */
  uploaded: UploadProgress | null;
  status: ImportRunStatus;
  progress: EventPayload<ImportProgressEvent<C>> | null;
  error: ApiError | null;
  result: ChannelOutput<C> | null;
}

/** What one run needs from its store. */
export interface FileImportRequest<C extends ImportChannel> {
  /** The import state as it is now. */
  state: () => ImportRunState<C>;
  /** Merges a patch into the import state. */
  update: (patch: Partial<ImportRunState<C>>) => void;
  /** The channel's other fields (everything but `path`). */
  fields: UploadFields<C>;
  /** False once the store moved on (another flag opened, reset): the answer is then dropped. */
  isCurrent: () => boolean;
}

/** One store's importer: at most one progress listener, stopped by {@link FileImporter.stop}. */
export interface FileImporter<C extends ImportChannel> {
  /**
   * Runs one import unless one is running or, in browser mode, no file is chosen.
   * @returns the imported result when the import succeeded and the store did not move on, else `null`
   *   (not started, failed — the error is in the state — or dropped).
   */
  run(request: FileImportRequest<C>): Promise<ChannelOutput<C> | null>;
  /** Stops listening to progress (the store opened another flag or was reset). */
  stop(): void;
}

/** The importer of `channel`, with its own progress listener (one per store). */
export function fileImporter<C extends ImportChannel>(channel: C): FileImporter<C> {
  let unsubscribe: (() => void) | null = null;
  const stop = () => {
    unsubscribe?.();
    unsubscribe = null;
  };

  const run = async ({ state, update, fields, isCurrent }: FileImportRequest<C>) => {
    const s = state();
    if (s.status === 'importing') return null;
    const up = uploader();
    const file = s.file;
    if (up && !file) return null;
    // Progress events of an upload name the uploaded file, those of a path import the path.
    const path = up && file ? file.name : s.path.trim();
    stop();
    unsubscribe = api().on(IMPORT_PROGRESS_EVENTS[channel], (p) => {
      const cur = state();
      if (cur.status !== 'importing') return;
      // The core may report the resolved path; one import runs at a time, so take either.
      if (p.path === path || !cur.progress || cur.progress.path === p.path) update({ progress: p });
    });
    update({ status: 'importing', progress: null, uploaded: null, error: null, result: null });
    const result =
      up && file
        ? await up.upload(channel, file, fields, (uploaded) => update({ uploaded }))
        : // `fields` is the channel's input without `path` (TypeScript cannot see that for a generic C).
          await api().invoke(channel, { path, ...fields } as ChannelInput<C>);
    stop();
    if (!isCurrent()) return null;
    if (!result.ok) {
      update({ status: 'failed', error: result.error });
      return null;
    }
    update({ status: 'succeeded', result: result.value });
    return result.value;
  };

  return { run, stop };
}
