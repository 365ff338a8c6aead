/**
 * Test fake of the simulator channels (`predictions.*`, `simulator.*`): deterministic synthetic
 * prediction logs in memory, with the core's own pure statistics on top — sweep table, Wilson
 * interval, ROC AUC (electron/core/simulator/sweep.ts), recommendations and the model A/B
 * (electron/core/simulator/recommend.ts) — so the numbers are the core's for the same rows.
 *
 * Only for renderer unit tests and the development-only `?mock` page (renderer/dev-mock.ts).
 */
import type { ApiError, ChannelOutput, EventPayload, Result } from '../../shared/contract.ts';
import type { FlagRef } from '../../shared/domain.ts';
import type { AbResult, PredictionLog, Recommendation, Slice, SweepSeries } from '../../shared/simulator.ts';
import type { ParsedInput } from '../../electron/core/handler-types.ts';
import { abDecision, recommend } from '../../electron/core/simulator/recommend.ts';
import {
  allPoints,
  buildSweepTable,
  gridPoints,
  pointAt,
  rocAuc,
  type SweepTable,
} from '../../electron/core/simulator/sweep.ts';

/** One prediction of a fake log. */
export interface MockPrediction {
  confidence: number;
  label: 0 | 1;
  modelVersion: string | null;
  segment: string | null;
}

/** A stored fake log: its listing plus its rows. */
export interface MockPredictionLog {
  log: PredictionLog;
  rows: MockPrediction[];
}

/** Small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of {@link makePredictions}. */
export interface MakePredictionsOptions {
  /** Number of predictions (default 4000). */
  rows?: number;
  /** PRNG seed (default 42). */
  seed?: number;
  /** Model version → separation of the classes (higher = better model). */
  models?: Record<string, number>;
  /** Segments drawn at random (default consumer, enterprise; the last one is harder). */
  segments?: string[];
  /** Share of positives (default 0.7). */
  baseRate?: number;
}

/**
 * Synthetic predictions: per model version, positives' confidence leans high
 * and negatives' leans low, more so for a better model. Confidences are on a
 * 0.001 grid so sweeps at grid thresholds are exact.
 */
export function makePredictions(options: MakePredictionsOptions = {}): MockPrediction[] {
  const n = options.rows ?? 4000;
  const rand = prng(options.seed ?? 42);
  const models = options.models ?? { 'v2.3': 1.6, 'v2.4': 2.4 };
  const segments = options.segments ?? ['consumer', 'enterprise'];
  const versions = Object.keys(models);
  const base = options.baseRate ?? 0.7;
  const out: MockPrediction[] = [];
  for (let i = 0; i < n; i++) {
    const modelVersion = versions[i % versions.length] ?? null;
    const segment = segments.length ? (segments[Math.floor(rand() * segments.length)] ?? null) : null;
    // the enterprise-like second segment is harder
    const hard = segments.length > 1 && segment === segments[segments.length - 1] ? 0.6 : 1;
    const sep = (modelVersion ? (models[modelVersion] ?? 1) : 1) * hard;
    const label: 0 | 1 = rand() < base ? 1 : 0;
    // logistic of a normal-ish score (sum of uniforms)
    const z = (rand() + rand() + rand() - 1.5) * 2 + (label ? sep / 2 : -sep / 2) + 0.6;
    const confidence = Math.round(1000 / (1 + Math.exp(-z))) / 1000;
    out.push({ confidence, label, modelVersion, segment });
  }
  return out;
}

/** A fake log listing for `rows`. */
export function makePredictionLog(
  id: number,
  rows: MockPrediction[],
  partial: Partial<PredictionLog> = {},
): MockPredictionLog {
  const distinct = (f: (r: MockPrediction) => string | null) =>
    [...new Set(rows.map(f).filter((v): v is string => v !== null))].sort();
  return {
    rows,
    log: {
      id,
      name: `log ${id}`,
      source: 'sample',
      importedAt: '2025-01-01T10:00:00.000Z',
      rows: rows.length,
      positives: rows.filter((r) => r.label === 1).length,
      modelVersions: distinct((r) => r.modelVersion),
      segments: distinct((r) => r.segment),
      flag: null,
      ...partial,
    },
  };
}

function inSlice(r: MockPrediction, slice: Slice): boolean {
  return (
    (slice.modelVersion === null || r.modelVersion === slice.modelVersion) &&
    (slice.segment === null || r.segment === slice.segment)
  );
}

/** The core's sweep table of the rows in `slice`. */
function tableOf(rows: MockPrediction[], slice: Slice): SweepTable {
  const sel = rows.filter((r) => inSlice(r, slice));
  return buildSweepTable(
    sel.map((r) => r.confidence),
    sel.map((r) => r.label),
  );
}

/**
 * Sweep of one slice as the core's simulator service builds it: the core's sweep table at `grid`
 * evenly spaced thresholds (grid ≥ 2; 1001 → step 0.001), or at every distinct threshold when
 * `grid` is 0, with the core's ROC AUC.
 */
export function sweepOf(rows: MockPrediction[], slice: Slice, grid = 1001): SweepSeries {
  const table = tableOf(rows, slice);
  return {
    slice,
    n: table.positives + table.negatives,
    positives: table.positives,
    negatives: table.negatives,
    points: grid === 0 ? allPoints(table) : gridPoints(table, grid),
    auc: rocAuc(table),
  };
}

/**
 * The core's recommendation (`recommend`) per model version (all segments) and per model version ×
 * segment, empty slices left out — the slices the core's simulator service recommends for.
 */
export function recommendFor(
  entry: MockPredictionLog,
  target: ParsedInput<'simulator.recommend'>['target'],
): Recommendation[] {
  const versions = entry.log.modelVersions.length ? entry.log.modelVersions : [null];
  const out: Recommendation[] = [];
  for (const modelVersion of versions) {
    for (const segment of [null, ...entry.log.segments]) {
      const slice = { modelVersion, segment };
      const table = tableOf(entry.rows, slice);
      if (table.positives + table.negatives === 0) continue;
      out.push(recommend(table, slice, target));
    }
  }
  return out;
}

/** The core's model A/B (`abDecision`) at the two exact thresholds, on one segment (or all). */
export function abFor(entry: MockPredictionLog, input: ParsedInput<'simulator.ab'>): AbResult {
  const at = (side: { modelVersion: string; threshold: number }) =>
    pointAt(tableOf(entry.rows, { modelVersion: side.modelVersion, segment: input.segment }), side.threshold);
  return abDecision(at(input.control), at(input.treatment), input.shipMarginPp);
}

const sameFlag = (a: FlagRef | null, b: FlagRef) =>
  !!a && a.provider === b.provider && a.environment === b.environment && a.key === b.key;

/** The simulator channels of the fake API (inputs already parsed by the contract). */
export interface SimulatorHandlers {
  list(input: ParsedInput<'predictions.list'>): Result<ChannelOutput<'predictions.list'>>;
  import(input: ParsedInput<'predictions.import'>): Promise<Result<ChannelOutput<'predictions.import'>>>;
  sweep(input: ParsedInput<'simulator.sweep'>): Result<ChannelOutput<'simulator.sweep'>>;
  recommend(input: ParsedInput<'simulator.recommend'>): Result<ChannelOutput<'simulator.recommend'>>;
  ab(input: ParsedInput<'simulator.ab'>): Result<ChannelOutput<'simulator.ab'>>;
}

/**
 * Handlers over `logs` (mutated by imports). An import of a path containing
 * `bad` fails with a row-level message like the core's; any other path
 * imports a synthetic log, emitting progress events on the way.
 */
export function createSimulatorHandlers(
  logs: MockPredictionLog[],
  emitProgress: (p: EventPayload<'predictions.progress'>) => void,
  now: () => number,
): SimulatorHandlers {
  const bad = (message: string): Result<never> => ({ ok: false, error: { code: 'BAD_INPUT', message } });
  const notFound = (id: number): Result<never> => ({
    ok: false,
    error: { code: 'NOT_FOUND', message: `prediction log ${id} not found` } satisfies ApiError,
  });
  const find = (id: number) => logs.find((l) => l.log.id === id);
  return {
    list: ({ flag }) => ({
      ok: true,
      value: logs.filter((l) => !flag || sameFlag(l.log.flag, flag)).map((l) => l.log),
    }),
    async import({ path, name, flag }) {
      const base = path.split(/[\\/]/).pop() ?? path;
      const totalBytes = 120_000;
      for (let i = 1; i <= 3; i++) {
        emitProgress({ path, rows: i * 700, bytesRead: (totalBytes * i) / 4, totalBytes, done: false });
        await Promise.resolve();
      }
      if (/bad/i.test(base)) {
        emitProgress({ path, rows: 16, bytesRead: totalBytes / 4, totalBytes, done: true });
        return bad(`${base} line 17: confidence 1.7 must be between 0 and 1`);
      }
      if (!/\.(csv|jsonl|parquet)$/i.test(base))
        return bad(`${base}: unsupported file type (use .csv, .jsonl or .parquet)`);
      const id = Math.max(0, ...logs.map((l) => l.log.id)) + 1;
      const rows = makePredictions({ rows: 3000, seed: id * 7 });
      const entry = makePredictionLog(id, rows, {
        name: name ?? base,
        source: base,
        importedAt: new Date(now()).toISOString(),
        flag: flag ?? null,
      });
      logs.push(entry);
      emitProgress({ path, rows: rows.length, bytesRead: totalBytes, totalBytes, done: true });
      return { ok: true, value: entry.log };
    },
    sweep: ({ logId, slice, grid }) => {
      const entry = find(logId);
      if (!entry) return notFound(logId);
      if (grid === 1) return bad('grid: must be 0 (every distinct threshold) or at least 2');
      return { ok: true, value: sweepOf(entry.rows, slice, grid) };
    },
    recommend: ({ logId, target }) => {
      const entry = find(logId);
      return entry ? { ok: true, value: recommendFor(entry, target) } : notFound(logId);
    },
    ab: (input) => {
      const entry = find(input.logId);
      if (!entry) return notFound(input.logId);
      for (const side of [input.control, input.treatment]) {
        if (!entry.log.modelVersions.includes(side.modelVersion))
          return bad(`model version ${side.modelVersion} is not in log ${entry.log.name}`);
      }
      return { ok: true, value: abFor(entry, input) };
    },
  };
}

/** Sample logs for the development-only `?mock` page: one attached to `flag`, one unattached. */
export function makeMockPredictionLogs(flag: FlagRef): MockPredictionLog[] {
  return [
    makePredictionLog(
      1,
      makePredictions({ rows: 20_000, seed: 7, segments: ['consumer', 'smb', 'enterprise'] }),
      {
        name: `${flag.key} · January sample`,
        source: 'search-ai-2025-01.csv',
        flag,
      },
    ),
    makePredictionLog(2, makePredictions({ rows: 5_000, seed: 11, models: { 'v1.9': 1.2 }, segments: [] }), {
      name: 'triage replay',
      source: 'triage.jsonl',
    }),
  ];
}
