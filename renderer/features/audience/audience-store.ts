/**
 * The audience preview of a proposed change: keys (pasted or from a file) →
 * `flag.previewAudience` → who enters, leaves and stays in the treatment.
 *
 * Keys are parsed in the browser (one per line, or a CSV with a `key` column)
 * so the count is shown before anything is sent; the core validates them again
 * and its messages are shown as they are.
 */
import { create } from 'zustand';
import { AUDIENCE_MAX_KEYS, type AudiencePreview } from '../../../shared/audience.ts';
import type { ApiError } from '../../../shared/contract.ts';
import type { FlagRef, LayerPatch } from '../../../shared/domain.ts';
import { api, uploader } from '../../api/current.ts';
import { toRef } from '../../lib/flag-ref.ts';
import { readKeys } from './audience-format.ts';

/** Where the preview call is: not asked, running, answered, or failed. */
export type AudienceStatus = 'idle' | 'running' | 'done' | 'error';

/** State of the audience panel: the targeted change, the keys, and the preview's status and result. */
export interface AudienceState {
  ref: FlagRef | null;
  patch: LayerPatch | null;
  /** The pasted text (or the loaded file's text). */
  text: string;
  /** Name of the loaded file, or `null` for pasted keys. */
  fileName: string | null;
  /** Keys parsed from `text`. */
  keys: string[];
  format: 'lines' | 'csv';
  /** Why the text could not be read (e.g. a CSV without a `key` column). */
  parseError: string | null;
  status: AudienceStatus;
  result: AudiencePreview | null;
  error: ApiError | null;
}

/** A fresh {@link AudienceState}: no change targeted, no keys, no result. */
export const initialAudienceState = (): AudienceState => ({
  ref: null,
  patch: null,
  text: '',
  fileName: null,
  keys: [],
  format: 'lines',
  parseError: null,
  status: 'idle',
  result: null,
  error: null,
});

/** The audience panel's store. */
export const useAudienceStore = create<AudienceState>()(() => initialAudienceState());

let generation = 0;

/** Targets a flag and a proposed patch; keeps the keys, drops a result of another change. */
export function setAudienceChange(ref: FlagRef, patch: LayerPatch): void {
  const s = useAudienceStore.getState();
  const same =
    s.ref !== null &&
    s.ref.provider === ref.provider &&
    s.ref.environment === ref.environment &&
    s.ref.key === ref.key &&
    JSON.stringify(s.patch) === JSON.stringify(patch);
  if (same) return;
  generation++;
  useAudienceStore.setState({
    ref: toRef(ref),
    patch,
    result: null,
    error: null,
    status: 'idle',
    // Keys are about the audience, not the change: keep them for the next change of the same flag.
    ...(s.ref && s.ref.key === ref.key && s.ref.provider === ref.provider
      ? {}
      : { text: '', keys: [], fileName: null }),
  });
}

/** Sets the key text (typed, pasted or read from a file) and parses it. */
export function setAudienceText(text: string, fileName: string | null = null): void {
  let keys: string[] = [];
  let format: 'lines' | 'csv' = 'lines';
  let parseError: string | null = null;
  try {
    ({ keys, format } = readKeys(text));
    if (keys.length > AUDIENCE_MAX_KEYS)
      parseError = `${keys.length.toLocaleString('en')} keys: at most ${AUDIENCE_MAX_KEYS.toLocaleString('en')} per preview`;
  } catch (error) {
    parseError = error instanceof Error ? error.message : String(error);
  }
  useAudienceStore.setState({
    text,
    fileName,
    keys,
    format,
    parseError,
    result: null,
    error: null,
    status: 'idle',
  });
}

/** The picked file behind the current keys (browser mode uploads it instead of a huge JSON body). */
let keyFile: (Blob & { readonly name: string }) | null = null;

/** Reads a picked file (text or CSV) as the key list. */
export async function loadAudienceFile(file: Blob & { name?: string }): Promise<void> {
  const name = file.name ?? 'keys.txt';
  setAudienceText(await file.text(), name);
  keyFile = Object.assign(file, { name });
}

/** Whether a preview can be asked: a change is targeted, keys were read without error, none is running. */
export const selectCanPreview = (s: AudienceState): boolean =>
  s.ref !== null && s.patch !== null && s.keys.length > 0 && s.parseError === null && s.status !== 'running';

/** Asks the core for the exact preview of the current change over the current keys. */
export async function runAudiencePreview(): Promise<void> {
  const s = useAudienceStore.getState();
  if (!selectCanPreview(s) || !s.ref || !s.patch) return;
  const gen = ++generation;
  useAudienceStore.setState({ status: 'running', error: null });
  // A picked file goes up as a file in browser mode (a million keys do not fit one JSON request);
  // the server reads its keys with the same parser. Pasted keys, and the desktop, send the list.
  const up = uploader();
  const file = s.fileName !== null && keyFile !== null && /\.(txt|csv)$/i.test(keyFile.name) ? keyFile : null;
  const result =
    up && file
      ? await up.upload('flag.previewAudience', file, { ref: s.ref, patch: s.patch })
      : await api().invoke('flag.previewAudience', { ref: s.ref, patch: s.patch, keys: s.keys });
  if (gen !== generation) return;
  if (result.ok) useAudienceStore.setState({ status: 'done', result: result.value });
  else useAudienceStore.setState({ status: 'error', error: result.error, result: null });
}

/** Back to a fresh store; an answer still pending is dropped, the picked file forgotten. */
export function resetAudienceStore(): void {
  generation++;
  keyFile = null;
  useAudienceStore.setState(initialAudienceState());
}
