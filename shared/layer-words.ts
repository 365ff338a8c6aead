/**
 * The words for flag layers shared by the UI, the CLI and the core's decision rationales, so the
 * kill switch reads the same everywhere: **Serving** (`enabled: true`, the feature is served) or
 * **Killed** (`enabled: false`, everyone gets the fallback). JSON keeps `enabled: true | false`.
 * No `electron`, `node:` or DOM imports.
 */
import type { FlagLayers, LayerChange, LayerName } from './domain.ts';

/** The kill switch in words. */
export type KillSwitchWord = 'Serving' | 'Killed';

/** `Serving` when the flag serves, `Killed` when its kill switch is on (everyone gets the fallback). */
export function killSwitchWord(enabled: boolean): KillSwitchWord {
  return enabled ? 'Serving' : 'Killed';
}

/** Short layer names for sentences: `kill switch`, `rollout`, `threshold`, `model`, `allow-list`, `block-list`. */
export const LAYER_WORDS: Record<LayerName, string> = {
  enabled: 'kill switch',
  rolloutPercent: 'rollout',
  confidenceThreshold: 'threshold',
  modelVersion: 'model',
  allowList: 'allow-list',
  blockList: 'block-list',
};

/** One layer value in words: `Serving`, `10 %`, `0.7`, `v2.4`, `[a, b]`; `—` for null. */
export function layerValueWords(layer: LayerName, value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (layer === 'enabled' && typeof value === 'boolean') return killSwitchWord(value);
  if (layer === 'rolloutPercent' && typeof value === 'number') return `${value} %`;
  if (Array.isArray(value)) return `[${value.map(String).join(', ')}]`;
  return String(value);
}

/** Changes in words, e.g. `kill switch Serving → Killed; rollout 10 % → 5 %`. */
export function changesWords(changes: readonly LayerChange[]): string {
  return changes
    .map(
      (c) =>
        `${LAYER_WORDS[c.layer]} ${layerValueWords(c.layer, c.before)} → ${layerValueWords(c.layer, c.after)}`,
    )
    .join('; ');
}

/** The layers of a flag in one line: `Serving, rollout 10 %, threshold 0.7, model v2.4`. */
export function layersWords(l: FlagLayers): string {
  return [
    killSwitchWord(l.enabled),
    `rollout ${layerValueWords('rolloutPercent', l.rolloutPercent)}`,
    `threshold ${layerValueWords('confidenceThreshold', l.confidenceThreshold)}`,
    `model ${layerValueWords('modelVersion', l.modelVersion)}`,
  ].join(', ');
}
