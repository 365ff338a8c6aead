/**
 * Plain formatting of flag values and times for the control room.
 *
 * Numbers are shown plainly (`25%`, `0.80`), `null` as an em dash, times as
 * short relative ages (`5 min ago`). Pure functions: `now` is always passed in.
 */
import type { FlagLayers, FlagRef, LayerName } from '../../shared/domain.ts';
import { killSwitchWord, type KillSwitchWord } from '../../shared/layer-words.ts';

/** Shown for a missing value. */
export const NONE = '—';

/**
 * Layer names in display order. Same as `LAYER_NAMES` in shared/domain.ts, kept
 * here as a plain constant so the renderer bundle does not pull in zod.
 */
export const LAYERS = [
  'enabled',
  'rolloutPercent',
  'confidenceThreshold',
  'modelVersion',
  'allowList',
  'blockList',
] as const satisfies readonly LayerName[];
// Compile-time check that LAYERS covers every LayerName.
type _MissingLayer = Exclude<LayerName, (typeof LAYERS)[number]>;
const _allLayers: _MissingLayer extends never ? true : false = true;
void _allLayers;

/** Human labels of the layers, in display order. */
export const LAYER_LABELS: Record<LayerName, string> = {
  enabled: 'Kill switch',
  rolloutPercent: 'Rollout %',
  confidenceThreshold: 'Confidence threshold',
  modelVersion: 'Model version',
  allowList: 'Allow list',
  blockList: 'Block list',
};

/** Kill switch text, the same everywhere (shared/layer-words.ts): `Serving` or `Killed`. */
export function formatKillSwitch(enabled: boolean): KillSwitchWord {
  return killSwitchWord(enabled);
}

/** `25%`, `12.5%`; `—` for null. */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE;
  return `${Number.isInteger(value) ? value : Number(value.toFixed(2))}%`;
}

/** `0.80`; keeps extra precision when it matters (`0.825`); `—` for null. */
export function formatThreshold(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE;
  const two = value.toFixed(2);
  return Number(two) === value ? two : String(Number(value.toFixed(4)));
}

/** Model version as given; `—` for null/empty. */
export function formatModel(value: string | null | undefined): string {
  return value ? value : NONE;
}

/** `a, b, c`; `(empty)` for an empty list. */
export function formatList(value: readonly string[] | null | undefined): string {
  if (!value) return NONE;
  if (value.length === 0) return '(empty)';
  const shown = value.slice(0, 8).join(', ');
  return value.length > 8 ? `${shown} … (+${value.length - 8})` : shown;
}

/** Format one layer's value (known or unknown shape, e.g. from a history entry). */
export function formatLayerValue(layer: LayerName, value: unknown): string {
  if (value === null || value === undefined) return NONE;
  switch (layer) {
    case 'enabled':
      return typeof value === 'boolean' ? formatKillSwitch(value) : String(value);
    case 'rolloutPercent':
      return typeof value === 'number' ? formatPercent(value) : String(value);
    case 'confidenceThreshold':
      return typeof value === 'number' ? formatThreshold(value) : String(value);
    case 'modelVersion':
      return typeof value === 'string' ? formatModel(value) : String(value);
    case 'allowList':
    case 'blockList':
      return Array.isArray(value) ? formatList(value.map(String)) : String(value);
  }
}

/** Format a layer of a full layer set. */
export function formatLayer(layers: FlagLayers, layer: LayerName): string {
  return formatLayerValue(layer, layers[layer]);
}

/** Parse an ISO time to epoch ms, or `null`. */
export function parseTime(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** A short age without suffix: `30 s`, `3 min`, `2 h`, `4 d`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** `just now`, `5 min ago`, `3 h ago`, `2 d ago`; `—` for null. */
export function formatRelative(iso: string | null | undefined, now: number): string {
  const t = parseTime(iso);
  if (t === null) return NONE;
  const diff = now - t;
  if (diff < 45_000) return 'just now';
  if (diff < 60_000) return '1 min ago';
  return `${formatAge(diff)} ago`;
}

/** Stale badge text from the row's `syncedAt`: `stale · 3 min`. */
export function formatStale(syncedAt: string | null | undefined, now: number): string {
  const t = parseTime(syncedAt);
  if (t === null) return 'stale';
  return `stale · ${formatAge(now - t)}`;
}

/** Absolute local time for tooltips and timelines. */
export function formatDateTime(iso: string | null | undefined): string {
  const t = parseTime(iso);
  if (t === null) return NONE;
  return new Date(t).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** Stable id of a flag reference (also used in the URL hash). */
export function refId(ref: FlagRef): string {
  return `${ref.provider}/${ref.environment}/${ref.key}`;
}

/** True when two refs name the same flag. */
export function sameRef(a: FlagRef | null | undefined, b: FlagRef | null | undefined): boolean {
  return !!a && !!b && a.provider === b.provider && a.environment === b.environment && a.key === b.key;
}

/** Just the ref fields of a row-like object. */
export function toRef(r: FlagRef): FlagRef {
  return { provider: r.provider, environment: r.environment, key: r.key };
}

/** Render an unknown native value for the key/value list. */
export function formatNative(value: unknown): string {
  if (value === null || value === undefined) return NONE;
  if (typeof value === 'string') return value || '""';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * Split a server validation message (`patch.rolloutPercent: must be …; reason: …`)
 * into `{path, message}` parts so each can be shown near its field.
 */
export function splitValidationMessage(message: string): { path: string; message: string }[] {
  return message
    .split('; ')
    .map((part) => {
      const m = /^([A-Za-z0-9_.[\]]+): (.*)$/s.exec(part);
      return m ? { path: m[1] ?? '', message: part } : { path: '', message: part };
    })
    .filter((p) => p.message.length > 0);
}
