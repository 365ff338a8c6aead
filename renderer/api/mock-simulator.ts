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
/** z₀.₈ (80% power). */
const Z80 = 0.8416212335729143;

/** Trials at which a Wilson interval around `observed` excludes `target`; `null` when equal. */
function separation(observed: number, target: number): number | null {
  const gap = observed - target;
  if (Math.abs(gap) < 1e-12) return null;
  const n = Math.round(((Z95 * Z95 * target * (1 - target)) / (gap * gap)) * 1e9) / 1e9;
  return Math.max(1, gap > 0 ? Math.ceil(n) : Math.floor(n) + 1);
}

/**
 * Lowest grid threshold meeting the target, per model version (overall and per segment), with the
 * core's verdicts in short: `met`; `not-met` when at every threshold with enough covered predictions
 * the precision's upper bound is below the target; otherwise `insufficient-data` with the labelled
 * predictions that would settle it (core: electron/core/simulator/recommend.ts).
 */
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
  return slices.map((slice): Recommendation => {
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
    const none = { slice, threshold: null, point: null, neededLabelled: null };
    if (s.n === 0) return { ...none, status: 'insufficient-data', message: 'no predictions in this slice' };
    if (found)
      return {
        slice,
        threshold: found.threshold,
        point: found,
        status: 'met',
        neededLabelled: null,
        message: `${fmt(found.threshold)} is the lowest threshold meeting ${what} (coverage ${(found.coverage * 100).toFixed(1)}%)`,
      };
    const rollBack = {
      ...none,
      status: 'not-met' as const,
      message: `no threshold meets ${what}: roll back the model, not the threshold`,
    };
    if (target.kind === 'max-fpr') return rollBack;
    const t = target.value;
    if (target.useLowerBound && t >= 1)
      return { ...rollBack, message: `a 95% lower bound never reaches ${t}; lower the target` };
    const nStar = t > 0 && t < 1 ? (separation(1, t) ?? 1) : 1;
    const open = s.points.filter((p) => p.covered > 0 && p.precisionCi && p.precisionCi[1] >= t);
    const blockers = open.filter((p) => {
      if (p.covered >= nStar || s.n < nStar) return true;
      const sep = (p.precision ?? 0) > t ? separation(p.precision ?? 0, t) : null;
      return sep !== null && 2 * p.covered >= sep;
    });
    if (!blockers.length) return rollBack;
    let needed: number | null = null;
    for (const p of blockers) {
      const sep = separation(p.precision ?? 0, t);
      if (sep === null) continue;
      const more = Math.max(1, Math.ceil(sep / p.coverage) - s.n);
      needed = needed === null ? more : Math.min(needed, more);
    }
    return {
      ...none,
      status: 'insufficient-data',
      neededLabelled: needed,
      message: `not enough data to tell whether any threshold meets ${what}${
        needed === null ? '' : `: about ${needed} more labelled predictions would tell`
      }`,
    };
  });
}

/** Newcombe hybrid score interval of p1 − p2 from the two Wilson intervals (Newcombe 1998, method 10). */
function newcombe(x1: number, n1: number, x2: number, n2: number): [number, number] {
  const [l1, u1] = wilson(x1, n1)!;
  const [l2, u2] = wilson(x2, n2)!;
  const d = x1 / n1 - x2 / n2;
  return [d - Math.hypot(x1 / n1 - l1, u2 - x2 / n2), d + Math.hypot(u1 - x1 / n1, x2 / n2 - l2)];
}

/**
 * Model A/B at two thresholds from the 95% Newcombe interval [L, U] of the precision difference:
 * ship if L ≥ margin, roll back if U < 0, hold if 0 ≤ L and U < margin, otherwise inconclusive
 * with the per-arm sample (Chow, Shao & Wang 2008, §4.2) — as the core does.
 */
export function abFor(entry: MockPredictionLog, input: ParsedInput<'simulator.ab'>): AbResult {
  const at = (mv: string, t: number) => {
    const s = sweepOf(entry.rows, { modelVersion: mv, segment: input.segment });
    return s.points[Math.round(t * 1000)]!;
  };
  const control = at(input.control.modelVersion, input.control.threshold);
  const treatment = at(input.treatment.modelVersion, input.treatment.threshold);
  const coverageDiffPp = (treatment.coverage - control.coverage) * 100;
  const base = { control, treatment, coverageDiffPp, neededPerArm: null, neededLabelled: null };
  if (control.precision === null || treatment.precision === null)
    return {
      ...base,
      precisionDiffPp: null,
      precisionDiffCiPp: null,
      decision: 'insufficient',
      rationale: 'precision is undefined at a threshold that covers nothing',
    };
  const pc = control.precision;
  const pt = treatment.precision;
  const m = input.shipMarginPp / 100;
  const d = pt - pc;
  const [lo, hi] = newcombe(pt * treatment.covered, treatment.covered, pc * control.covered, control.covered);
  const pp = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)} pp`;
  const common = {
    ...base,
    precisionDiffPp: d * 100,
    precisionDiffCiPp: [lo * 100, hi * 100] as [number, number],
  };
  const head = `treatment precision ${pp(d)} vs control (95% interval ${pp(lo)} to ${pp(hi)})`;
  if (lo >= m)
    return {
      ...common,
      decision: 'ship',
      rationale: `${head} clears the ${input.shipMarginPp} pp margin: ship`,
    };
  if (hi < 0)
    return { ...common, decision: 'roll-back', rationale: `${head} is entirely below 0: roll back` };
  if (lo >= 0 && hi < m)
    return {
      ...common,
      decision: 'hold',
      rationale: `${head} is within [0, ${input.shipMarginPp} pp): hold`,
    };
  const variance = pt * (1 - pt) + pc * (1 - pc);
  const bounds = d >= m ? [m] : d < 0 ? [0] : m > 0 ? [0, m] : [0];
  let perArm: number | null = 0;
  for (const b of bounds) {
    const gap = d - b;
    perArm =
      perArm === null || Math.abs(gap) < 1e-12 || variance === 0
        ? null
        : Math.max(perArm, Math.ceil(((Z95 + Z80) ** 2 * variance) / (gap * gap)));
  }
  return {
    ...common,
    neededPerArm: perArm,
    neededLabelled:
      perArm === null
        ? null
        : {
            control: Math.ceil(perArm / control.coverage),
            treatment: Math.ceil(perArm / treatment.coverage),
          },
    decision: 'inconclusive',
    rationale: `${head}: inconclusive${perArm === null ? '' : ` — about ${perArm} covered predictions per arm would tell`}`,
  };
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
