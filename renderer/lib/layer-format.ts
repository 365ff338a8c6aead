/**
 * Words and values of a flag's layers, as the control room shows them.
 *
 * Layer names in display order and their labels, the kill switch word, thresholds, model
 * versions, allow/block lists and unknown native values, each as plain text; a missing value is
 * the em dash `NONE` of lib/format.ts. Pure functions.
 */
import type { FlagLayers, LayerName } from '../../shared/domain.ts';
import { killSwitchWord, type KillSwitchWord } from '../../shared/layer-words.ts';
import { formatPercent, NONE } from './format.ts';

/**
 * Layer names in display order: the same names as `LAYER_NAMES` in shared/domain.ts (checked
 * at compile time below), in the order the screens show them.
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
