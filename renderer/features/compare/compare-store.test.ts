import { beforeEach, describe, expect, it } from 'vitest';
import type { FleetRow } from '../../../shared/domain.ts';
import { setApi, setUploader, type Uploader } from '../../api/current.ts';
import { createMockApi, type MockApi } from '../../../test/fakes/fake-api.ts';
import { makeLayers, makeRow } from '../../../test/fakes/fake-fleet.ts';
import {
  makeComparison,
  makeMetricDefinition,
  makeSeries,
  type MockMetric,
} from '../../../test/fakes/fake-metrics.ts';
import {
  draftToDefinition,
  effectiveResult,
  forestData,
  seriesChartData,
  windowOf,
} from './compare-model.ts';
import {
  closeImport,
  loadComparison,
  openCompare,
  openDefine,
  openImport,
  refreshCompare,
  resetCompareStore,
  selectMetric,
  selectSelectedRow,
  selectSrmMismatches,
  setAdjust,
  setDefineField,
  setImportField,
  setSequential,
  setWindow,
  startImport,
  submitDefine,
  useCompareStore,
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
      input: { path: '/data/events.csv', provider: 'local', environment: 'staging', onDuplicate: 'refuse' },
    });
    expect(progress.length).toBeGreaterThan(0);
    expect(s().import.status).toBe('succeeded');
    expect(s().import.result?.rows).toBe(2000);
    expect(mock.calls.some((c) => c.channel === 'metrics.compare')).toBe(true);
    expect(mock.listenerCount()).toBe(0);
    closeImport();
    expect(s().import.open).toBe(false);
  });

  it('browser mode uploads the chosen file (never a path), with upload and import progress', async () => {
    const uploads: Array<{ channel: string; name: string; fields: unknown }> = [];
    const seen: string[] = [];
    const up: Uploader = {
      async upload(channel, file, fields, onProgress) {
        uploads.push({ channel, name: file.name, fields });
        onProgress?.({ sent: 2, total: 4 });
        seen.push(`uploading ${s().import.uploaded?.sent}/${s().import.uploaded?.total}`);
        mock.emit('metrics.progress', {
          path: file.name,
          rows: 10,
          bytesRead: 2,
          totalBytes: 4,
          done: false,
        });
        seen.push(`rows ${s().import.progress?.rows}`);
        return { ok: true, value: { rows: 10, flags: [ref.key], metrics: ['answer_accepted'] } } as never;
      },
    };
    setUploader(up);
    try {
      await openCompare(ref);
      openImport();
      await startImport(); // no file chosen: nothing is sent
      expect(uploads).toEqual([]);
      expect(s().import.status).toBe('idle');
      setImportField({ file: new File(['x'], 'events.csv'), path: '/etc/passwd' });
      mock.calls.length = 0;
      await startImport();
      expect(uploads).toEqual([
        {
          channel: 'metrics.importEvents',
          name: 'events.csv',
          fields: { provider: 'local', environment: 'production', onDuplicate: 'refuse' },
        },
      ]);
      expect(mock.calls.some((c) => c.channel === 'metrics.importEvents')).toBe(false);
      expect(seen).toEqual(['uploading 2/4', 'rows 10']);
      expect(s().import.status).toBe('succeeded');
      expect(s().import.result?.rows).toBe(10);
    } finally {
      setUploader(null);
    }
  });

  it('refuses the same file a second time (CONFLICT), and replaces the earlier import when asked', async () => {
    await openCompare(ref);
    openImport();
    setImportField({ path: '/data/events.csv' });
    await startImport();
    expect(s().import.status).toBe('succeeded');
    openImport();
    setImportField({ path: '/data/events.csv' });
    await startImport();
    expect(s().import.status).toBe('failed');
    expect(s().import.error?.code).toBe('CONFLICT');
    expect(s().import.error?.message).toMatch(/count its events twice/);
    mock.calls.length = 0;
    await startImport('replace');
    expect(mock.calls[0]?.input).toMatchObject({ path: '/data/events.csv', onDuplicate: 'replace' });
    expect(s().import.status).toBe('succeeded');
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
    // the mock has no such flag: its split is unknown, so no SRM check rather than a guessed 0.5
    expect(call?.input).toMatchObject({
      flag: ref,
      name: 'thumbs_up',
      source: { type: 'events' },
      expectedSplit: null,
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
      dataSource: 'prod',
      query: 'sum(rate(errors_total[1m]))',
    });
    expect(await submitDefine()).toBe(false);
    expect(s().define.status).toBe('failed');
    expect(s().define.error?.message).toMatch(/\{\{variant\}\}/);
    expect(s().define.open).toBe(true);
  });
});

describe('compare store: the Prometheus source of a new metric', () => {
  it('offers the allow-listed sources, preselects the first and sends its name', async () => {
    await openCompare(ref);
    await openDefine();
    expect(s().define.sources).toEqual([{ kind: 'prometheus', name: 'prod', url: 'http://prometheus:9090' }]);
    expect(s().define.draft.dataSource).toBe('prod');
    setDefineField({
      name: 'errors',
      sourceType: 'prometheus',
      query: 'sum(increase(e{variant="{{variant}}"}[1m]))',
      denominator: 'sum(increase(r{variant="{{variant}}"}[1m]))',
    });
    expect(await submitDefine()).toBe(true);
    const call = mock.calls.find((c) => c.channel === 'metrics.define');
    expect(call?.input).toMatchObject({ source: { type: 'prometheus', dataSource: 'prod' } });
    expect((call?.input as { source: object }).source).not.toHaveProperty('url');
  });

  it('with no allow-listed source, says how the local user adds one', async () => {
    setApi((mock = createMockApi({ metrics: metrics(), sources: [], now: () => NOW })));
    await openCompare(ref);
    await openDefine();
    expect(s().define.sources).toEqual([]);
    setDefineField({ name: 'errors', sourceType: 'prometheus', query: 'e{variant="{{variant}}"}' });
    expect(await submitDefine()).toBe(false);
    expect(s().define.error?.message).toMatch(/rcr sources add prometheus --name NAME --url URL/);
  });
});

describe('compare store: expected split of a new metric', () => {
  const flagAt = (layers: Parameters<typeof makeLayers>[0], variants: FleetRow['variants'] = []) =>
    makeRow({ key: ref.key, layers: makeLayers(layers), variants });

  it("defaults the expected control share to the flag's actual split (10 % rollout → 0.9), shown", async () => {
    setApi(
      (mock = createMockApi({ metrics: metrics(), rows: [flagAt({ rolloutPercent: 10 })], now: () => NOW })),
    );
    await openCompare(ref);
    openDefine();
    expect(s().define.draft.expectedControlShare).toBe('0.9');
    expect(s().define.splitDefault?.text).toMatch(/10 % in treatment/);
    setDefineField({ name: 'thumbs_up' });
    expect(await submitDefine()).toBe(true);
    const call = mock.calls.find((c) => c.channel === 'metrics.define');
    expect(call?.input).toMatchObject({ expectedSplit: [0.9, 0.1] });
  });

  it('never defaults to 0.5 when the flag is not at 50 %: no rollout %, off, or not loaded → empty, with why', async () => {
    for (const layers of [
      { rolloutPercent: null },
      { enabled: false, rolloutPercent: 30 },
      { rolloutPercent: 100 },
    ]) {
      setApi((mock = createMockApi({ metrics: metrics(), rows: [flagAt(layers)], now: () => NOW })));
      resetCompareStore();
      await openCompare(ref);
      openDefine();
      expect(s().define.draft.expectedControlShare).toBe('');
      expect(s().define.splitDefault?.text).toBeTruthy();
    }
    setApi((mock = createMockApi({ metrics: metrics(), now: () => NOW })));
    resetCompareStore();
    await openCompare(ref);
    openDefine();
    expect(s().define.draft.expectedControlShare).toBe('');
  });

  it("uses the variant weights when the flag lists the metric's cohorts, and keeps a typed share", async () => {
    const variants = [
      { key: 'control', weightPercent: 45 },
      { key: 'holdout', weightPercent: 10 },
      { key: 'treatment', weightPercent: 45 },
    ];
    setApi(
      (mock = createMockApi({
        metrics: metrics(),
        rows: [flagAt({ rolloutPercent: 45 }, variants)],
        now: () => NOW,
      })),
    );
    await openCompare(ref);
    openDefine();
    expect(s().define.draft.expectedControlShare).toBe('0.5');
    expect(s().define.splitDefault?.text).toMatch(/variant weights/);
    setDefineField({ controlVariant: 'holdout' });
    expect(s().define.draft.expectedControlShare).toBe('0.181818');
    setDefineField({ expectedControlShare: '0.2' });
    setDefineField({ controlVariant: 'control' });
    expect(s().define.draft.expectedControlShare).toBe('0.2');
  });
});

describe('compare store: pure helpers', () => {
  it('maps windows to minutes', () => {
    expect(windowOf('15m')).toEqual({ lastMinutes: 15 });
    expect(windowOf('7d')).toEqual({ lastMinutes: 10080 });
  });

  it("takes a row's difference, lift and p-value from the row's own method, never mixing", () => {
    const def = makeMetricDefinition(ref, 'm');
    const row = makeComparison(def, {
      statistic: { label: 'rate', quantile: null, control: 0.2, treatment: 0.22 },
      absolute: { estimate: 0.02, ci: [0.01, 0.03], pValue: 0.001 },
      relative: { estimate: 0.1, ci: [0.05, 0.15] },
      sequential: { ci: [0.0, 0.04], pValue: 0.04, relative: { estimate: 0.1, ci: [0, 0.2] } },
      method: { kind: 'sequential', note: null },
    });
    expect(effectiveResult(row)).toEqual({
      method: 'sequential',
      estimate: 0.02,
      ci: [0.0, 0.04],
      pValue: 0.04,
      lift: { estimate: 0.1, ci: [0, 0.2] },
    });
    const fixed = { ...row, sequential: null, method: { kind: 'fixed-horizon' as const, note: null } };
    expect(effectiveResult(fixed)).toEqual({
      method: 'fixed-horizon',
      estimate: 0.02,
      ci: [0.01, 0.03],
      pValue: 0.001,
      lift: { estimate: 0.1, ci: [0.05, 0.15] },
    });
    // a sequential row without its sequence shows nothing rather than the fixed-horizon interval
    expect(effectiveResult({ ...row, sequential: null })).toBeNull();
    expect(effectiveResult({ ...row, absolute: null })).toBeNull();
    // an unbounded sequential lift keeps its point estimate, with no interval
    const unbounded = { ...row, sequential: { ...row.sequential!, relative: null } };
    expect(effectiveResult(unbounded)?.lift?.ci).toBeNull();
    expect(effectiveResult(unbounded)?.lift?.estimate).toBeCloseTo(0.1, 12);
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
    const fixedA = { ...a, sequential: null, method: { kind: 'fixed-horizon' as const, note: null } };
    expect(forestData([fixedA, b], 'relative')).toEqual([
      {
        metric: 'a',
        estimate: 0.1,
        range: [0.05, 0.15],
        verdict: a.verdict,
        guardrail: true,
        direction: 'higher-is-better',
        method: 'fixed-horizon',
        statistic: 'rate',
      },
    ]);
    expect(forestData([a, b], 'absolute')[0]?.range).toEqual(a.sequential!.ci);
  });

  it("draws the interval of the row's own method: the always-valid lift of a sequential row", () => {
    const row = makeComparison(makeMetricDefinition(ref, 'error_rate', { direction: 'lower-is-better' }), {
      absolute: { estimate: 0.01, ci: [0.0022, 0.0178], pValue: 0.011 },
      relative: { estimate: 0.5, ci: [0.28, 1.99] },
      sequential: { ci: [-0.0024, 0.0224], pValue: 0.21, relative: { estimate: 0.5, ci: [-0.11, 1.52] } },
      method: { kind: 'sequential', note: null },
      verdict: 'inconclusive',
    });
    expect(forestData([row], 'relative')[0]).toMatchObject({ range: [-0.11, 1.52], method: 'sequential' });
    expect(forestData([row], 'absolute')[0]?.range).toEqual([-0.0024, 0.0224]);
    const quantile = makeComparison(makeMetricDefinition(ref, 'latency_ms', { kind: 'quantile' }), {
      relative: { estimate: 0.3, ci: [0.25, 0.39] },
      sequential: null,
      method: { kind: 'fixed-horizon', note: 'fixed-horizon only: no sequential test for quantiles' },
    });
    expect(forestData([quantile], 'relative')[0]).toMatchObject({
      range: [0.25, 0.39],
      method: 'fixed-horizon',
      statistic: 'p95',
    });
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
