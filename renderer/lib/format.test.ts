import { describe, expect, it } from 'vitest';
import { LAYER_NAMES } from '../../shared/domain.ts';
import { formatAge, formatPercent, formatRelative, formatStale } from './format.ts';
import {
  formatKillSwitch,
  formatLayerValue,
  formatList,
  formatModel,
  formatThreshold,
  LAYERS,
} from './layer-format.ts';
import { splitValidationMessage } from './validation-message.ts';

const NOW = Date.parse('2025-01-01T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();

describe('value formatting', () => {
  it('shows numbers plainly and null as an em dash', () => {
    expect(formatPercent(25)).toBe('25%');
    expect(formatPercent(12.5)).toBe('12.5%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(null)).toBe('—');
    expect(formatThreshold(0.8)).toBe('0.80');
    expect(formatThreshold(1)).toBe('1.00');
    expect(formatThreshold(0.825)).toBe('0.825');
    expect(formatThreshold(null)).toBe('—');
    expect(formatModel('v2.4')).toBe('v2.4');
    expect(formatModel(null)).toBe('—');
    expect(formatKillSwitch(true)).toBe('Serving');
    expect(formatKillSwitch(false)).toBe('Killed');
  });

  it('formats lists and unknown layer values from history', () => {
    expect(formatList([])).toBe('(empty)');
    expect(formatList(['a', 'b'])).toBe('a, b');
    expect(formatLayerValue('rolloutPercent', 10)).toBe('10%');
    expect(formatLayerValue('enabled', false)).toBe('Killed');
    expect(formatLayerValue('confidenceThreshold', 0.9)).toBe('0.90');
    expect(formatLayerValue('modelVersion', null)).toBe('—');
    expect(formatLayerValue('allowList', ['u1'])).toBe('u1');
  });

  it('keeps the renderer layer order in sync with the domain', () => {
    expect([...LAYERS]).toEqual([...LAYER_NAMES]);
  });
});

describe('time formatting', () => {
  it('formats relative times', () => {
    expect(formatRelative(ago(10_000), NOW)).toBe('just now');
    expect(formatRelative(ago(5 * 60_000), NOW)).toBe('5 min ago');
    expect(formatRelative(ago(3 * 3_600_000), NOW)).toBe('3 h ago');
    expect(formatRelative(ago(5 * 86_400_000), NOW)).toBe('5 d ago');
    expect(formatRelative(null, NOW)).toBe('—');
    expect(formatRelative(new Date(NOW + 60_000).toISOString(), NOW)).toBe('just now');
  });

  it('formats the stale badge from syncedAt', () => {
    expect(formatStale(ago(3 * 60_000), NOW)).toBe('stale · 3 min');
    expect(formatStale(ago(20_000), NOW)).toBe('stale · 20 s');
    expect(formatAge(2 * 3_600_000)).toBe('2 h');
  });
});

describe('splitValidationMessage', () => {
  it('splits a zod message into paths', () => {
    expect(
      splitValidationMessage(
        'patch.rolloutPercent: rolloutPercent must be between 0 and 100; reason: too short',
      ),
    ).toEqual([
      {
        path: 'patch.rolloutPercent',
        message: 'patch.rolloutPercent: rolloutPercent must be between 0 and 100',
      },
      { path: 'reason', message: 'reason: too short' },
    ]);
    expect(splitValidationMessage('something broke')).toEqual([{ path: '', message: 'something broke' }]);
  });
});
