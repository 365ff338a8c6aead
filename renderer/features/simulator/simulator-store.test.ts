import { beforeEach, describe, expect, it } from 'vitest';
import { setApi, setUploader, type Uploader } from '../../api/current.ts';
import { createMockApi, type MockApi } from '../../../test/fakes/fake-api.ts';
import { makeLayers, makeRow } from '../../../test/fakes/fake-fleet.ts';
import {
  makePredictionLog,
  makePredictions,
  type MockPredictionLog,
} from '../../../test/fakes/fake-simulator.ts';
import { applyEdit, resetChangeStore, setChangeReason, useChangeStore } from '../flag/change-store.ts';
import { loadFlag, resetFlagStore, useFlagStore } from '../flag/flag-store.ts';
import { resetFleetStore } from '../fleet/fleet-store.ts';
import {
  defaultAbVersions,
  gridAtOrAbove,
  MAX_SIDE_BY_SIDE_SLICES,
  pointAt,
  sideBySideSlices,
  sliceKey,
  slicesOf,
  thresholdText,
  toGrid,
  validateAbDraft,
} from './simulator-model.ts';
import {
  applyThreshold,
  closeImport,
  loadSweep,
  openImport,
  openSimulator,
  resetSimulatorStore,
  runAb,
  runRecommend,
  selectLog,
  selectPredictionLog,
  selectSweep,
  selectUsersPerDay,
  setAbDraft,
  setCandidate,
  setImportField,
  setSlice,
  setTarget,
  setUsersPerDay,
  startImport,
  useSimulatorStore,
} from './simulator-store.ts';

const ref = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
const other = { provider: 'local', environment: 'production', key: 'ai-smart-summaries' };
const row = makeRow({
  ...ref,
  layers: makeLayers({ confidenceThreshold: 0.7, rolloutPercent: 10, modelVersion: 'v2.4' }),
});
const otherRow = makeRow({
  ...other,
  layers: makeLayers({ confidenceThreshold: 0.8, modelVersion: 'sum-1.2' }),
});
const flagContext = { threshold: 0.7, modelVersion: 'v2.4' };

function logs(): MockPredictionLog[] {
  return [
    makePredictionLog(1, makePredictions({ rows: 1200, seed: 3 }), { name: 'sample', flag: ref }),
    makePredictionLog(2, makePredictions({ rows: 300, seed: 5, models: { 'v1.0': 1 }, segments: [] }), {
      name: 'other',
    }),
  ];
}

let api: MockApi;
const state = () => useSimulatorStore.getState();
const sweepCalls = () => api.calls.filter((c) => c.channel === 'simulator.sweep');
/** Let queued mock calls and the store's follow-ups settle. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
};

beforeEach(() => {
  resetSimulatorStore();
  resetChangeStore();
  resetFlagStore();
  resetFleetStore();
  api = createMockApi({ rows: [row, otherRow], predictions: logs() });
  setApi(api);
});

describe('pure helpers', () => {
  const series = makePredictionLog(9, makePredictions({ rows: 200, seed: 1 }));
  it('looks points up on the 0.001 grid', async () => {
    api = createMockApi({ predictions: [series] });
    setApi(api);
    const r = await api.invoke('simulator.sweep', { logId: 9 });
    if (!r.ok) throw new Error(r.error.message);
    const s = r.value;
    expect(s.points).toHaveLength(1001);
    expect(pointAt(s, 0.8)?.threshold).toBe(0.8);
    expect(pointAt(s, 0.8)).toBe(s.points[800]);
    expect(pointAt(s, 0.8004)).toBe(s.points[800]);
    expect(pointAt(s, 0.7996)).toBe(s.points[800]);
    expect(pointAt(s, -1)).toBe(s.points[0]);
    expect(pointAt(s, 2)).toBe(s.points[1000]);
    expect(pointAt(null, 0.5)).toBeNull();
    expect(pointAt({ ...s, points: [] }, 0.5)).toBeNull();
  });

  it('rounds thresholds to the grid', () => {
    expect(toGrid(0.80049)).toBe(0.8);
    expect(toGrid(1.2)).toBe(1);
    expect(toGrid(-0.1)).toBe(0);
    expect(toGrid(Number.NaN)).toBeNull();
    // a recommended (lowest meeting) threshold is moved up, never down
    expect(gridAtOrAbove(0.673272)).toBe(0.674);
    expect(gridAtOrAbove(0.849)).toBe(0.849);
    expect(gridAtOrAbove(0.9999)).toBe(1);
    expect(thresholdText(0.8)).toBe('0.80');
    expect(thresholdText(0.835)).toBe('0.835');
  });

  it('lists slices and A/B defaults', () => {
    expect(slicesOf({ modelVersions: ['v2.3', 'v2.4'], segments: ['a'] })).toEqual([
      { modelVersion: null, segment: null },
      { modelVersion: null, segment: 'a' },
      { modelVersion: 'v2.3', segment: null },
      { modelVersion: 'v2.3', segment: 'a' },
      { modelVersion: 'v2.4', segment: null },
      { modelVersion: 'v2.4', segment: 'a' },
    ]);
    const many = sideBySideSlices({
      modelVersions: ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
      segments: ['1', '2', '3', '4', '5', '6', '7'],
    });
    expect(many.total).toBe(64);
    expect(many.slices).toHaveLength(MAX_SIDE_BY_SIDE_SLICES);
    expect(defaultAbVersions(['v2.2', 'v2.3', 'v2.4', 'v3.0'])).toEqual({
      control: 'v2.3',
      treatment: 'v2.4',
    });
    expect(defaultAbVersions(['v2.10', 'v2.9', 'v1'])).toEqual({ control: 'v2.9', treatment: 'v2.10' });
    expect(defaultAbVersions(['v1'])).toBeNull();
    expect(sliceKey(1, { modelVersion: null, segment: 'x' })).not.toBe(
      sliceKey(1, { modelVersion: 'x', segment: null }),
    );
  });

  it('parses users per day', () => {
    setUsersPerDay('10,000');
    expect(selectUsersPerDay(state())).toBe(10_000);
    setUsersPerDay('');
    expect(selectUsersPerDay(state())).toBeNull();
    setUsersPerDay('-3');
    expect(selectUsersPerDay(state())).toBeNull();
    setUsersPerDay('many');
    expect(selectUsersPerDay(state())).toBeNull();
  });
});

describe('simulator store', () => {
  it('opens the flag’s log, starts at the current threshold and the serving model, caches every slice', async () => {
    await openSimulator(ref, flagContext);
    await settle();
    const s = state();
    expect(s.logsStatus).toBe('ready');
    expect(s.flagLogs.map((l) => l.id)).toEqual([1]);
    expect(s.allLogs.map((l) => l.id)).toEqual([1, 2]);
    expect(s.logId).toBe(1);
    expect(selectLog(s)?.name).toBe('sample');
    expect(s.candidate).toBe(0.7);
    expect(s.slice).toEqual({ modelVersion: 'v2.4', segment: null });
    // the shown slice first, then every model version × segment (3 × 3)
    expect(sweepCalls()[0]?.input).toEqual({
      logId: 1,
      slice: { modelVersion: 'v2.4', segment: null },
      grid: 1001,
    });
    expect(sweepCalls()).toHaveLength(9);
    expect(Object.values(s.sweeps).every((e) => e.status === 'ready')).toBe(true);
    expect(selectSweep(s)?.series?.slice).toEqual({ modelVersion: 'v2.4', segment: null });
    // recommendations and the A/B ran once with the defaults
    expect(s.recommendStatus).toBe('ready');
    expect(s.ab).toMatchObject({
      control: { modelVersion: 'v2.3', threshold: '0.70' },
      treatment: { modelVersion: 'v2.4', threshold: '0.70' },
      shipMarginPp: '2',
    });
    expect(s.abStatus).toBe('ready');
  });

  it('moves the candidate without calling the server, and reuses cached slices', async () => {
    await openSimulator(ref, flagContext);
    await settle();
    const before = api.calls.length;
    for (let t = 0; t <= 1; t += 0.01) setCandidate(t);
    setCandidate(0.8004);
    expect(state().candidate).toBe(0.8);
    setSlice({ segment: 'consumer' });
    setSlice({ modelVersion: null, segment: null });
    await settle();
    expect(api.calls.length).toBe(before);
    expect(selectSweep(state())?.series?.n).toBe(1200);
  });

  it('keeps the candidate and the cache when the same flag is reopened, resets for another flag', async () => {
    await openSimulator(ref, flagContext);
    await settle();
    setCandidate(0.85);
    await openSimulator(ref, flagContext);
    expect(state().candidate).toBe(0.85);
    expect(Object.keys(state().sweeps)).toHaveLength(9);
    await openSimulator(other, { threshold: 0.8, modelVersion: 'sum-1.2' });
    await settle();
    expect(state().candidate).toBe(0.8);
    expect(state().sweeps).toEqual({});
  });

  it('does not open another flag’s log by itself', async () => {
    await openSimulator(other, { threshold: 0.8, modelVersion: 'sum-1.2' });
    await settle();
    expect(state().flagLogs).toEqual([]);
    expect(state().allLogs).toHaveLength(2);
    expect(state().logId).toBeNull();
    selectPredictionLog(2);
    await settle();
    expect(state().slice).toEqual({ modelVersion: null, segment: null });
    expect(state().ab).toBeNull(); // one model version: no A/B
    expect(Object.keys(state().sweeps)).toHaveLength(2); // all, v1.0
  });

  it('reports no logs at all, and list errors', async () => {
    api = createMockApi({ rows: [row] });
    setApi(api);
    await openSimulator(ref, flagContext);
    expect(state()).toMatchObject({ logsStatus: 'ready', allLogs: [], logId: null });

    resetSimulatorStore();
    api.failNext('predictions.list', { code: 'INTERNAL', message: 'database is locked' });
    await openSimulator(ref, flagContext);
    expect(state().logsStatus).toBe('error');
    expect(state().logsError?.message).toBe('database is locked');
  });

  it('keeps a failed sweep as an error and retries it', async () => {
    api.failNext('simulator.sweep', { code: 'INTERNAL', message: 'sweep failed' });
    await openSimulator(ref, flagContext);
    await settle();
    expect(selectSweep(state())).toMatchObject({ status: 'error', error: { message: 'sweep failed' } });
    await loadSweep(state().slice);
    expect(selectSweep(state())?.status).toBe('ready');
  });

  it('drops answers for a flag that is no longer open', async () => {
    await openSimulator(ref, flagContext);
    await settle();
    const release = api.hold();
    setSlice({ segment: 'enterprise', modelVersion: 'v2.3' });
    const pending = loadSweep({ modelVersion: 'v2.3', segment: 'enterprise' });
    resetSimulatorStore();
    release();
    await pending;
    await settle();
    expect(state().sweeps).toEqual({});
  });

  it('recommends per model version × segment, with the server’s message when nothing meets the target', async () => {
    await openSimulator(ref, flagContext);
    await settle();
    expect(api.calls.find((c) => c.channel === 'simulator.recommend')?.input).toEqual({
      logId: 1,
      target: { kind: 'min-precision', value: 0.95, useLowerBound: true },
    });
    expect(state().recommendations).toHaveLength(6); // (v2.3, v2.4) × (all, consumer, enterprise)

    setTarget({ minPrecision: '1', useLowerBound: true });
    await runRecommend();
    const unmet = state().recommendations.filter((r) => r.threshold === null);
    expect(unmet.length).toBeGreaterThan(0);
    // a lower bound of 1 is never reached at any sample size
    expect(unmet[0]).toMatchObject({ status: 'not-met', neededLabelled: null });

    setTarget({ kind: 'max-fpr', maxFpr: '0.05' });
    await runRecommend();
    expect(api.calls.at(-1)?.input).toEqual({ logId: 1, target: { kind: 'max-fpr', value: 0.05 } });
    expect(state().recommendations.every((r) => r.threshold === null || (r.point?.fpr ?? 1) <= 0.05)).toBe(
      true,
    );

    setTarget({ maxFpr: 'lots' });
    await runRecommend();
    expect(state().targetFieldErrors).toEqual({ maxFpr: 'Maximum FPR must be between 0 and 1' });
  });

  it('compares models and shows server validation errors', async () => {
    await openSimulator(ref, flagContext);
    await settle();
    setAbDraft({ treatment: { threshold: '0.8' }, segment: 'consumer' });
    await runAb();
    expect(api.calls.at(-1)?.input).toEqual({
      logId: 1,
      segment: 'consumer',
      control: { modelVersion: 'v2.3', threshold: 0.7 },
      treatment: { modelVersion: 'v2.4', threshold: 0.8 },
      shipMarginPp: 2,
    });
    expect(['ship', 'hold', 'roll-back', 'inconclusive', 'insufficient']).toContain(
      state().abResult?.decision,
    );
    expect(state().abResultFor?.treatment.threshold).toBe('0.8');

    expect(state().abResult?.precisionDiffCiPp).toHaveLength(2);
  });

  it('bad A/B input gets a plain field-level message and is not sent; the last good result stays', async () => {
    await openSimulator(ref, flagContext);
    await settle();
    const calls = api.calls.length;
    setAbDraft({ control: { threshold: '1.5' }, treatment: { threshold: 'abc' }, shipMarginPp: '-1' });
    await runAb();
    expect(api.calls.length).toBe(calls);
    expect(state().abFieldErrors).toEqual({
      'control.threshold': 'Control threshold must be between 0 and 1',
      'treatment.threshold': 'Treatment threshold must be between 0 and 1',
      shipMarginPp: 'Ship margin must be between 0 and 100 pp',
    });
    expect(state().abStatus).not.toBe('error');
    // the last good result stays visible with the inputs it was for
    expect(state().abResultFor?.control.threshold).toBe('0.70');
    // editing a field clears its message
    setAbDraft({ control: { threshold: '0.6' } });
    expect(state().abFieldErrors['control.threshold']).toBeUndefined();
    expect(state().abFieldErrors['treatment.threshold']).toBeDefined();
    expect(validateAbDraft({ ...state().ab!, treatment: { modelVersion: 'v2.4', threshold: '1' } })).toEqual({
      errors: { shipMarginPp: 'Ship margin must be between 0 and 100 pp' },
      input: null,
    });
  });

  it('a server-side field error is shown next to its field in plain words', async () => {
    await openSimulator(ref, flagContext);
    await settle();
    api.failNext('simulator.ab', {
      code: 'BAD_INPUT',
      message: 'control.threshold: Too big: expected number to be <=1',
    });
    await runAb();
    expect(state().abFieldErrors).toEqual({
      'control.threshold': 'Control threshold must be between 0 and 1',
    });
    expect(state().abStatus).not.toBe('error');
  });

  it('an out-of-range recommendation target gets a field-level message and is not sent', async () => {
    await openSimulator(ref, flagContext);
    await settle();
    const calls = api.calls.length;
    setTarget({ minPrecision: '95' });
    await runRecommend();
    expect(api.calls.length).toBe(calls);
    expect(state().targetFieldErrors).toEqual({ minPrecision: 'Minimum precision must be between 0 and 1' });
    setTarget({ minPrecision: '0.9' });
    expect(state().targetFieldErrors).toEqual({});
  });

  it('recommendations carry the verdict and the labelled predictions needed', async () => {
    await openSimulator(ref, flagContext);
    await settle();
    for (const r of state().recommendations) {
      expect(['met', 'not-met', 'insufficient-data']).toContain(r.status);
      if (r.status !== 'insufficient-data') expect(r.neededLabelled).toBeNull();
      expect(r.threshold === null).toBe(r.status !== 'met');
    }
  });

  it('imports with progress, shows row-level errors, then opens the new log', async () => {
    await openSimulator(ref, flagContext);
    await settle();
    openImport();
    expect(state().import).toMatchObject({ open: true, attach: true, status: 'idle' });
    setImportField({ path: '/data/bad.csv' });
    await startImport();
    expect(state().import.status).toBe('failed');
    expect(state().import.error?.message).toBe('bad.csv line 17: confidence 1.7 must be between 0 and 1');
    expect(state().import.progress).toMatchObject({ path: '/data/bad.csv' });
    setImportField({ path: '/data/jan.csv', name: 'January' });
    expect(state().import.status).toBe('idle');
    await startImport();
    expect(api.calls.filter((c) => c.channel === 'predictions.import').at(-1)?.input).toEqual({
      path: '/data/jan.csv',
      name: 'January',
      flag: ref,
    });
    expect(state().import.status).toBe('succeeded');
    expect(state().import.progress).toMatchObject({ done: true, rows: 3000 });
    expect(state().flagLogs.map((l) => l.name)).toEqual(['sample', 'January']);
    expect(selectLog(state())?.name).toBe('January');
    expect(api.listenerCount()).toBe(0);
    closeImport();
    expect(state().import.open).toBe(false);
  });

  it('browser mode uploads the chosen file with the name and flag; the server picks the path', async () => {
    const uploads: Array<{ channel: string; name: string; fields: unknown }> = [];
    // Stands in for the server: it stores the upload and runs the import on its own path.
    const up: Uploader = {
      async upload(channel, file, fields, onProgress) {
        uploads.push({ channel, name: file.name, fields });
        onProgress?.({ sent: file.size, total: file.size });
        return (await api.invoke('predictions.import', { ...fields, path: file.name } as never)) as never;
      },
    };
    setUploader(up);
    try {
      await openSimulator(ref, flagContext);
      await settle();
      openImport();
      setImportField({ file: new File(['confidence,label\n'], 'jan.csv'), name: 'January' });
      await startImport();
      expect(uploads).toEqual([
        { channel: 'predictions.import', name: 'jan.csv', fields: { name: 'January', flag: ref } },
      ]);
      expect(state().import.uploaded).toEqual({ sent: 17, total: 17 });
      expect(state().import.status).toBe('succeeded');
      expect(state().import.progress).toMatchObject({ path: 'jan.csv', done: true });
      expect(selectLog(state())?.name).toBe('January');
    } finally {
      setUploader(null);
    }
  });

  it('applies the candidate through the confirmed change flow', async () => {
    await loadFlag(ref);
    await openSimulator(ref, flagContext);
    await settle();
    setCandidate(0.8);
    await applyThreshold(useFlagStore.getState().flag!, state().candidate!);
    expect(useChangeStore.getState().phase).toBe('confirm');
    expect(useChangeStore.getState().preview?.changes).toEqual([
      { layer: 'confidenceThreshold', before: 0.7, after: 0.8 },
    ]);
    setChangeReason('fewer wrong answers');
    await applyEdit();
    expect(useChangeStore.getState().phase).toBe('succeeded');
    expect(useChangeStore.getState().result?.flag.layers.confidenceThreshold).toBe(0.8);
    await settle();
    expect(useFlagStore.getState().flag?.layers.confidenceThreshold).toBe(0.8);
    expect(api.calls.find((c) => c.channel === 'flag.applyChange')?.input).toEqual({
      ref,
      patch: { confidenceThreshold: 0.8 },
      reason: 'fewer wrong answers',
    });
  });
});
