/**
 * The comparison table shows one statistic and one method per row: a quantile metric's control,
 * treatment, difference and lift are all its p95, and a row's intervals, p-value and verdict all
 * come from the method the row names.
 */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { MetricComparison } from '../../../shared/metrics.ts';
import { makeComparison, makeMetricDefinition } from '../../../test/fakes/fake-metrics.ts';
import { CompareTable } from './CompareTable.tsx';

const ref = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };

/** The latency row: means 156.2 / 190.3 ms, p95 210.4 / 277.4 ms, p95 Δ +67 ms. */
const latency = makeComparison(
  makeMetricDefinition(ref, 'latency_ms', { kind: 'quantile', direction: 'lower-is-better', unit: 'ms' }),
  {
    control: {
      variant: 'control',
      n: 18_000,
      mean: 156.2,
      sd: 80,
      successes: null,
      quantiles: { p50: 140, p95: 210.4, p99: 300 },
    },
    treatment: {
      variant: 'treatment',
      n: 2000,
      mean: 190.3,
      sd: 95,
      successes: null,
      quantiles: { p50: 170, p95: 277.4, p99: 390 },
    },
    statistic: { label: 'p95', quantile: 0.95, control: 210.4, treatment: 277.4 },
    absolute: { estimate: 67, ci: [52, 81], pValue: 0.001 },
    relative: { estimate: 67 / 210.4, ci: [0.25, 0.39] },
    sequential: null,
    method: { kind: 'fixed-horizon', note: 'fixed-horizon only: no sequential test for quantiles' },
    verdict: 'worse',
    note: 'treatment is worse than control (p95 Δ = 67)',
  },
);

/** The error-rate row: sequential inconclusive, fixed-horizon lift +28 % … +199 %. */
const errorRate = makeComparison(makeMetricDefinition(ref, 'error_rate', { direction: 'lower-is-better' }), {
  statistic: { label: 'rate', quantile: null, control: 0.02, treatment: 0.03 },
  absolute: { estimate: 0.01, ci: [0.0022, 0.0178], pValue: 0.011 },
  relative: { estimate: 0.5, ci: [0.28, 1.99] },
  sequential: { ci: [-0.0024, 0.0224], pValue: 0.21, relative: { estimate: 0.5, ci: [-0.11, 1.52] } },
  method: { kind: 'sequential', note: null },
  verdict: 'inconclusive',
  note: 'no significant difference yet',
});

const strip = (html: string): string =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();

/** The cell texts of a metric's row: [metric, control, treatment, difference, lift, p-value, verdict]. */
function rowCells(rows: MetricComparison[], metric: string, sequential = true): string[] {
  const html = renderToStaticMarkup(<CompareTable rows={rows} sequential={sequential} selected={null} />);
  const tr = new RegExp(`<tr[^>]*data-metric="${metric}"[^>]*>([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? '';
  return tr
    .split(/<t[hd](?:\s[^>]*)?>/)
    .slice(1)
    .map(strip);
}

function headers(rows: MetricComparison[]): string[] {
  const html = renderToStaticMarkup(<CompareTable rows={rows} sequential selected={null} />);
  return [...html.matchAll(/<th scope="col"[^>]*>([\s\S]*?)<\/th>/g)].map((m) => strip(m[1]!));
}

describe('CompareTable', () => {
  it('a quantile row shows its p95 in control, treatment, difference and lift (not the means)', () => {
    const [, control, treatment, difference, lift] = rowCells([latency], 'latency_ms');
    expect(control).toMatch(/^p95 210\.4 ms/);
    expect(treatment).toMatch(/^p95 277\.4 ms/);
    expect(difference).toMatch(/^p95 \+67 ms/);
    expect(lift).toMatch(/^p95 \+31\.8%/);
    expect(`${control} ${treatment}`).not.toMatch(/156\.2|190\.3/);
  });

  it('a quantile row says it is fixed-horizon only, with its fixed-horizon intervals', () => {
    const cells = rowCells([latency], 'latency_ms');
    expect(cells[3]).toContain('fixed-horizon CI [+52 ms, +81 ms]');
    expect(cells[4]).toContain('fixed-horizon CI [+25%, +39%]');
    expect(cells.join(' ')).toContain('fixed-horizon only: no sequential test for quantiles');
  });

  it('a sequential row shows the sequential lift interval, matching its verdict', () => {
    const [, , , difference, lift, p, verdict] = rowCells([errorRate], 'error_rate');
    expect(lift).not.toContain('+28%');
    expect(lift).toContain('sequential CI [−11%, +152%]');
    expect(difference).toContain('sequential CI [−0.24 pp, +2.24 pp]');
    expect(p).toMatch(/^0\.210/);
    expect(verdict).toMatch(/^inconclusive/);
  });

  it('a fixed-horizon row shows fixed-horizon intervals and p-value', () => {
    const fixed = {
      ...errorRate,
      sequential: null,
      method: { kind: 'fixed-horizon' as const, note: null },
      verdict: 'worse' as const,
    };
    const [, , , difference, lift, p] = rowCells([fixed], 'error_rate', false);
    expect(difference).toContain('fixed-horizon CI [+0.22 pp, +1.78 pp]');
    expect(lift).toContain('fixed-horizon CI [+28%, +199%]');
    expect(p).toMatch(/^0\.011/);
  });

  it('an unbounded sequential lift interval is shown as unbounded, not as the fixed-horizon one', () => {
    const unbounded = { ...errorRate, sequential: { ...errorRate.sequential!, relative: null } };
    const [, , , , lift] = rowCells([unbounded], 'error_rate');
    expect(lift).toBe('rate +50% sequential CI unbounded');
  });

  it('headers do not claim one method for every row', () => {
    const h = headers([latency, errorRate]);
    expect(h.join(' | ')).not.toMatch(/sequential|fixed-horizon/);
  });
});
