/**
 * The simulator side of the mock API: deterministic synthetic prediction logs
 * and the same metrics the core computes (covered ⇔ confidence ≥ t, Wilson
 * interval on precision, lowest threshold meeting a target, model A/B).
 *
 * Only for unit tests and the development-only `?mock` page; the numbers are
 * plausible, not a reference implementation.
 */
import type { z } from 'zod';
import type {
  ApiError,
  Channel,
  ChannelOutput,
  Contract,
  EventPayload,
  Result,
} from '../../shared/contract.ts';
import type { FlagRef } from '../../shared/domain.ts';
import type {
  AbResult,
  PredictionLog,
  Recommendation,
  Slice,
  SweepPoint,
  SweepSeries,
} from '../../shared/simulator.ts';

/** A channel's input after parsing (defaults filled in). */
export type ParsedInput<C extends Channel> = z.output<Contract[C]['input']>;

/** One prediction of a mock log. */
export interface MockPrediction {
  confidence: number;
  label: 0 | 1;
  modelVersion: string | null;
  segment: string | null;
}

/** A stored mock log: its listing plus its rows. */
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

export interface MakePredictionsOptions {
  rows?: number;
  seed?: number;
  /** Model version → separation of the classes (higher = better model). */
  models?: Record<string, number>;
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

/** A mock log listing for `rows`. */
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

const Z95 = 1.959963984540054;

/** 95% Wilson interval of successes / trials; `null` for no trials. */
export function wilson(successes: number, trials: number): [number, number] | null {
  if (trials === 0) return null;
  const p = successes / trials;
  const z2n = (Z95 * Z95) / trials;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (Z95 / (1 + z2n)) * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

function point(threshold: number, tp: number, fp: number, positives: number, negatives: number): SweepPoint {
  const n = positives + negatives;
  const covered = tp + fp;
  const coverage = n ? covered / n : 0;
  return {
    threshold,
    n,
    covered,
    coverage,
    precision: covered ? tp / covered : null,
    recall: positives ? tp / positives : null,
    fpr: negatives ? fp / negatives : null,
    fallbackRate: n ? 1 - coverage : 0,
    precisionCi: wilson(tp, covered),
  };
}

function inSlice(r: MockPrediction, slice: Slice): boolean {
  return (
    (slice.modelVersion === null || r.modelVersion === slice.modelVersion) &&
    (slice.segment === null || r.segment === slice.segment)
  );
}

/** Sweep of one slice at `grid` evenly spaced thresholds (grid ≥ 2). */
export function sweepOf(rows: MockPrediction[], slice: Slice, grid = 1001): SweepSeries {
  const sel = rows.filter((r) => inSlice(r, slice)).sort((a, b) => b.confidence - a.confidence);
  const positives = sel.filter((r) => r.label === 1).length;
  const negatives = sel.length - positives;
  const size = Math.max(2, grid);
  const points: SweepPoint[] = new Array(size);
  // from the highest threshold down, adding rows as they become covered
  let k = 0;
  let tp = 0;
  let fp = 0;
  for (let g = size - 1; g >= 0; g--) {
    const t = Math.round((g / (size - 1)) * 1e9) / 1e9;
    while (k < sel.length && sel[k]!.confidence >= t) {
      if (sel[k]!.label === 1) tp++;
      else fp++;
      k++;
    }
    points[g] = point(t, tp, fp, positives, negatives);
  }
  let auc: number | null = null;
  if (positives && negatives) {
    // probability a random positive outranks a random negative (ties count half)
    let below = 0;
    let sum = 0;
    const asc = [...sel].reverse();
    for (let i = 0; i < asc.length;) {
      let j = i;
      let pos = 0;
      let neg = 0;
      while (j < asc.length && asc[j]!.confidence === asc[i]!.confidence) {
        if (asc[j]!.label === 1) pos++;
        else neg++;
        j++;
      }
      sum += pos * (below + neg / 2);
      below += neg;
      i = j;
    }
    auc = sum / (positives * negatives);
  }
  return { slice, n: sel.length, positives, negatives, points, auc };
}

const fmt = (v: number) => String(Number(v.toFixed(3)));

/** Lowest grid threshold meeting the target, per model version (overall and per segment). */
export function recommendFor(
  entry: MockPredictionLog,
  target: ParsedInput<'simulator.recommend'>['target'],
): Recommendation[] {
  const slices: Slice[] = [];
  const versions = entry.log.modelVersions.length ? entry.log.modelVersions : [null];
  for (const mv of versions) {
    slices.push({ modelVersion: mv, segment: null });
    for (const seg of entry.log.segments) slices.push({ modelVersion: mv, segment: seg });
  }
  return slices.map((slice) => {
    const s = sweepOf(entry.rows, slice);
    const meets = (p: SweepPoint) =>
      target.kind === 'max-fpr'
        ? p.fpr !== null && p.fpr <= target.value && p.covered > 0
        : p.precision !== null &&
          (target.useLowerBound ? (p.precisionCi?.[0] ?? 0) : p.precision) >= target.value;
    const found = s.points.find(meets) ?? null;
    const what =
      target.kind === 'max-fpr'
        ? `FPR ≤ ${fmt(target.value)}`
        : `precision ${target.useLowerBound ? '(95% lower bound) ' : ''}≥ ${fmt(target.value)}`;
    if (s.n === 0) return { slice, threshold: null, point: null, message: 'no predictions in this slice' };
    if (!found) {
      return {
        slice,
        threshold: null,
        point: null,
        message: `no threshold meets ${what}: roll back the model, not the threshold`,
      };
    }
    return {
      slice,
      threshold: found.threshold,
      point: found,
      message: `${fmt(found.threshold)} is the lowest threshold meeting ${what} (coverage ${(found.coverage * 100).toFixed(1)}%)`,
    };
  });
}

/** Model A/B at two thresholds: ship if treatment ≥ control + margin, roll back if below control. */
export function abFor(entry: MockPredictionLog, input: ParsedInput<'simulator.ab'>): AbResult {
  const at = (mv: string, t: number) => {
    const s = sweepOf(entry.rows, { modelVersion: mv, segment: input.segment });
    return s.points[Math.round(t * 1000)]!;
  };
  const control = at(input.control.modelVersion, input.control.threshold);
  const treatment = at(input.treatment.modelVersion, input.treatment.threshold);
  const coverageDiffPp = (treatment.coverage - control.coverage) * 100;
  const margin = input.shipMarginPp;
  if (
    control.precision === null ||
    treatment.precision === null ||
    control.covered < 30 ||
    treatment.covered < 30
  ) {
    return {
      control,
      treatment,
      precisionDiffPp:
        control.precision === null || treatment.precision === null
          ? null
          : (treatment.precision - control.precision) * 100,
      coverageDiffPp,
      decision: 'insufficient',
      rationale: 'too few covered predictions to compare (need at least 30 on each side)',
    };
  }
  const diff = (treatment.precision - control.precision) * 100;
  const pp = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)} pp`;
  let decision: AbResult['decision'];
  let rationale: string;
  if (diff >= margin) {
    decision = 'ship';
    rationale = `treatment precision ${pp(diff)} vs control meets the ${margin} pp ship margin`;
  } else if (diff < 0) {
    decision = 'roll-back';
    rationale = `treatment precision is ${pp(diff)} below control`;
  } else {
    decision = 'hold';
    rationale = `treatment precision ${pp(diff)} vs control is below the ${margin} pp ship margin`;
  }
  return { control, treatment, precisionDiffPp: diff, coverageDiffPp, decision, rationale };
}

const sameFlag = (a: FlagRef | null, b: FlagRef) =>
  !!a && a.provider === b.provider && a.environment === b.environment && a.key === b.key;

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
      if (grid === 1) return bad('grid: grid must be 0 or at least 2');
      return { ok: true, value: sweepOf(entry.rows, slice, grid === 0 ? 1001 : grid) };
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
