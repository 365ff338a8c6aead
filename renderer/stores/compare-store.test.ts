import { beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../api/current.ts';
import { createMockApi, type MockApi } from '../api/mock-api.ts';
import { makeComparison, makeMetricDefinition, makeSeries, type MockMetric } from '../api/mock-metrics.ts';
import {
  closeImport,
  draftToDefinition,
  effectiveResult,
  forestData,
  loadComparison,
  openCompare,
  openDefine,
  openImport,
  refreshCompare,
  resetCompareStore,
  selectMetric,
  selectSelectedRow,
  selectSrmMismatches,
  seriesChartData,
  setAdjust,
  setDefineField,
  setImportField,
  setSequential,
  setWindow,
  startImport,
  submitDefine,
  useCompareStore,
  windowOf,
} from './compare-store.ts';

const ref = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
const other = { provider: 'local', environment: 'production', key: 'ai-smart-summaries' };
const NOW = Date.parse('2025-03-01T12:00:00.000Z');

function metrics(): MockMetric[] {
  const accepted = makeMetricDefinition(ref, 'answer_accepted', { expectedSplit: [0.5, 0.5] });
  const latency = makeMetricDefinition(ref, 'latency_p95', {
    kind: 'continuous',
    direction: 'lower-is-better',
    unit: 'ms',
    guardrail: true,
  });
  return [
    { definition: accepted },
    {
      definition: latency,
      comparison: { verdict: 'worse', note: 'Treatment is slower.' },
      series: makeSeries(['control', 'treatment'], NOW, 30, 400),
    },
    { definition: makeMetricDefinition(other, 'summary_clicked') },
  ];
}

let mock: MockApi;
const s = () => useCompareStore.getState();

beforeEach(() => {
  resetCompareStore();
  mock = createMockApi({ metrics: metrics(), now: () => NOW });
  setApi(mock);
});

describe('compare store: loading', () => {
  it('loads definitions, the comparison (sequential, 1 h, Holm) and the first metric series', async () => {
    await openCompare(ref);
    expect(s().definitionsStatus).toBe('ready');
    expect(s().definitions.map((d) => d.name)).toEqual(['answer_accepted', 'latency_p95']);
    expect(s().compareStatus).toBe('ready');
    expect(s().comparison?.rows.map((r) => [r.metric.name, r.verdict])).toEqual([
      ['answer_accepted', 'better'],
      ['latency_p95', 'worse'],
    ]);
    const compare = mock.calls.find((c) => c.channel === 'metrics.compare');
    expect(compare?.input).toEqual({
      flag: ref,
      window: { lastMinutes: 60 },
      sequential: true,
      alpha: 0.05,
      adjust: 'holm',
    });
    expect(s().selectedMetric).toBe('answer_accepted');
    expect(s().seriesStatus).toBe('ready');
    expect(s().seriesFor).toBe('answer_accepted');
    expect(s().series.map((x) => x.variant)).toEqual(['control', 'treatment']);
    expect(selectSelectedRow(s())?.metric.name).toBe('answer_accepted');
    expect(s().import.environment).toBe('production');
  });

  it('shows an empty flag as ready with no metrics', async () => {
    await openCompare({ ...ref, key: 'no-metrics' });
    expect(s().definitionsStatus).toBe('ready');
    expect(s().definitions).toEqual([]);
    expect(s().comparison?.rows).toEqual([]);
    expect(s().selectedMetric).toBeNull();
    expect(s().seriesStatus).toBe('idle');
  });

  it('reports a failed first load and keeps the last result when a refresh fails', async () => {
    mock.failNext('metrics.compare', { code: 'INTERNAL', message: 'boom' });
    await openCompare(ref);
    expect(s().compareStatus).toBe('error');
    expect(s().compareError?.message).toBe('boom');
    await loadComparison();
    expect(s().compareStatus).toBe('ready');
    mock.failNext('metrics.compare', { code: 'INTERNAL', message: 'again' });
    await refreshCompare();
    expect(s().compareStatus).toBe('ready');
    expect(s().comparison?.rows).toHaveLength(2);
    expect(s().compareError?.message).toBe('again');
  });

  it('drops answers for a flag that is no longer open', async () => {
    const release = mock.hold();
    const first = openCompare(ref);
    resetCompareStore();
    release();
    await first;
    expect(s().ref).toBeNull();
    expect(s().comparison).toBeNull();
  });
});

describe('compare store: settings', () => {
  it('re-compares with the chosen mode, window and adjustment', async () => {
    await openCompare(ref);
    mock.calls.length = 0;
    await setSequential(false);
    await setWindow('24h');
    await setAdjust('bh');
    const inputs = mock.calls.filter((c) => c.channel === 'metrics.compare').map((c) => c.input);
    expect(inputs).toEqual([
      expect.objectContaining({ sequential: false, window: { lastMinutes: 60 }, adjust: 'holm' }),
      expect.objectContaining({ sequential: false, window: { lastMinutes: 1440 }, adjust: 'holm' }),
      expect.objectContaining({ sequential: false, window: { lastMinutes: 1440 }, adjust: 'bh' }),
    ]);
    // the window also reloads the series
    expect(mock.calls.filter((c) => c.channel === 'metrics.series').map((c) => c.input)).toEqual([
      expect.objectContaining({ metric: 'answer_accepted', window: { lastMinutes: 1440 } }),
    ]);
    expect(s().comparison?.rows[0]?.sequential).toBeNull();
  });

  it('loads the series of the selected metric and keeps the selection across refreshes', async () => {
    await openCompare(ref);
    await selectMetric('latency_p95');
    expect(s().seriesFor).toBe('latency_p95');
    expect(s().series[0]?.points).toHaveLength(30);
    await refreshCompare();
    expect(s().selectedMetric).toBe('latency_p95');
  });

  it('flags a sample ratio mismatch', async () => {
    const m = metrics();
    m[0]!.comparison = { srm: { pValue: 0.0001, mismatch: true } };
    setApi((mock = createMockApi({ metrics: m, now: () => NOW })));
    await openCompare(ref);
    expect(selectSrmMismatches(s()).map((r) => r.metric.name)).toEqual(['answer_accepted']);
  });
});

describe('compare store: import and define', () => {
  it('imports metric events with progress, then refreshes', async () => {
    await openCompare(ref);
    openImport();
    expect(s().import.environment).toBe('production');
    setImportField({ path: '/data/events.csv', environment: 'staging' });
    const progress: number[] = [];
    const unsub = useCompareStore.subscribe((st) => {
      if (st.import.progress) progress.push(st.import.progress.rows);
    });
    mock.calls.length = 0;
    await startImport();
    unsub();
    expect(mock.calls[0]).toEqual({
      channel: 'metrics.importEvents',
      input: { path: '/data/events.csv', provider: 'local', environment: 'staging' },
    });
    expect(progress.length).toBeGreaterThan(0);
    expect(s().import.status).toBe('succeeded');
    expect(s().import.result?.rows).toBe(2000);
    expect(mock.calls.some((c) => c.channel === 'metrics.compare')).toBe(true);
    expect(mock.listenerCount()).toBe(0);
    closeImport();
    expect(s().import.open).toBe(false);
  });

  it('shows a row-level import error and clears it on edit', async () => {
    await openCompare(ref);
    openImport();
    setImportField({ path: '/data/bad-events.csv' });
    await startImport();
    expect(s().import.status).toBe('failed');
    expect(s().import.error?.message).toMatch(/line 42/);
    setImportField({ path: '/data/events.csv' });
    expect(s().import.status).toBe('idle');
    expect(s().import.error).toBeNull();
  });

  it('defines a metric and refreshes', async () => {
    await openCompare(ref);
    openDefine();
    setDefineField({ name: 'thumbs_up', direction: 'higher-is-better', guardrail: true });
    expect(await submitDefine()).toBe(true);
    const call = mock.calls.find((c) => c.channel === 'metrics.define');
    expect(call?.input).toMatchObject({
      flag: ref,
      name: 'thumbs_up',
      source: { type: 'events' },
      expectedSplit: [0.5, 0.5],
      guardrail: true,
    });
    expect(s().define.open).toBe(false);
    expect(s().definitions.map((d) => d.name)).toContain('thumbs_up');
  });

  it('shows the server validation error of a bad definition', async () => {
    await openCompare(ref);
    openDefine();
    setDefineField({
      name: 'errors',
      sourceType: 'prometheus',
      url: 'http://prom:9090',
      query: 'sum(rate(errors_total[1m]))',
    });
    expect(await submitDefine()).toBe(false);
    expect(s().define.status).toBe('failed');
    expect(s().define.error?.message).toMatch(/\{\{variant\}\}/);
    expect(s().define.open).toBe(true);
  });
});

describe('compare store: pure helpers', () => {
  it('maps windows to minutes', () => {
    expect(windowOf('15m')).toEqual({ lastMinutes: 15 });
    expect(windowOf('7d')).toEqual({ lastMinutes: 10080 });
  });

  it('picks the interval of the chosen mode, falling back to fixed-horizon', () => {
    const def = makeMetricDefinition(ref, 'm');
    const row = makeComparison(def, {
      absolute: { estimate: 0.02, ci: [0.01, 0.03], pValue: 0.001 },
      sequential: { ci: [0.0, 0.04], pValue: 0.04 },
    });
    expect(effectiveResult(row, true)).toEqual({ ci: [0.0, 0.04], pValue: 0.04, sequential: true });
    expect(effectiveResult(row, false)).toEqual({ ci: [0.01, 0.03], pValue: 0.001, sequential: false });
    expect(effectiveResult({ ...row, sequential: null }, true)?.sequential).toBe(false);
    expect(effectiveResult({ ...row, sequential: null, absolute: null }, true)).toBeNull();
  });

  it('builds forest data and skips metrics without an estimate', () => {
    const a = makeComparison(makeMetricDefinition(ref, 'a', { guardrail: true }), {
      relative: { estimate: 0.1, ci: [0.05, 0.15] },
    });
    const b = makeComparison(makeMetricDefinition(ref, 'b'), {
      relative: null,
      absolute: null,
      verdict: 'insufficient',
    });
    expect(forestData([a, b], 'relative', true)).toEqual([
      {
        metric: 'a',
        estimate: 0.1,
        range: [0.05, 0.15],
        verdict: a.verdict,
        guardrail: true,
        direction: 'higher-is-better',
      },
    ]);
    expect(forestData([a, b], 'absolute', true)[0]?.range).toEqual(a.sequential!.ci);
  });

  it('merges series by minute', () => {
    const data = seriesChartData([
      { variant: 'control', points: [{ t: '2025-01-01T00:01:00Z', value: 1, n: 3 }] },
      {
        variant: 'treatment',
        points: [
          { t: '2025-01-01T00:00:00Z', value: 4, n: 2 },
          { t: '2025-01-01T00:01:00Z', value: 2, n: 3 },
        ],
      },
    ]);
    expect(data.map((d) => [d.t, d.control, d.treatment])).toEqual([
      ['2025-01-01T00:00:00Z', undefined, 4],
      ['2025-01-01T00:01:00Z', 1, 2],
    ]);
  });

  it('validates the expected split locally', () => {
    const base = useCompareStore.getState().define.draft;
    expect(draftToDefinition(ref, { ...base, name: 'x', expectedControlShare: '1.5' }).ok).toBe(false);
    const ok = draftToDefinition(ref, { ...base, name: 'x', expectedControlShare: '' });
    expect(ok.ok && ok.value.expectedSplit).toBeNull();
  });
});
