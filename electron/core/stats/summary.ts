/**
 * Metric summaries (the input of the comparison engine) and their validation.
 *
 * A summary holds the per-arm sufficient statistics of one metric: unit count
 * `n` plus either `successes` (binomial) or `mean` and sample standard
 * deviation `sd` (continuous, ddof = 1). Validation turns an untrusted value
 * (a parsed JSON line) into a {@link MetricSummary} or throws a
 * {@link StatsInputError} that names the offending field.
 */

/** Which way is good for a metric. */
export type Direction = 'higher-is-better' | 'lower-is-better';

/** One arm of a binomial metric: `successes` out of `n` units. */
export interface BinomialArm {
  n: number;
  successes: number;
}

/** One arm of a continuous metric: `n` units with sample mean and sample SD (ddof = 1). */
export interface ContinuousArm {
  n: number;
  mean: number;
  sd: number;
}

interface SummaryCommon {
  id: string;
  /** Significance level α in (0, 1); the confidence level is 1 − α. Default 0.05. */
  alpha: number;
  /** Configured traffic split `[control, treatment]` (normalised to sum 1), or null: no SRM check. */
  expectedSplit: [number, number] | null;
  /** Also compute the always-valid (peeking-safe) confidence sequence; the verdict then uses it. */
  sequential: boolean;
  /** Tuning parameter N* of the confidence sequence (GrowthBook default 5000). */
  sequentialTuning: number;
  direction: Direction;
}

/** Summary of a binomial metric: `successes` out of `n` per arm. */
export interface BinomialSummary extends SummaryCommon {
  kind: 'binomial';
  control: BinomialArm;
  treatment: BinomialArm;
}

/** Summary of a continuous metric: `n`, mean and sample SD per arm. */
export interface ContinuousSummary extends SummaryCommon {
  kind: 'continuous';
  control: ContinuousArm;
  treatment: ContinuousArm;
}

/** A validated metric summary, binomial or continuous (by `kind`). */
export type MetricSummary = BinomialSummary | ContinuousSummary;

/** Default significance level α when a summary gives none. */
export const DEFAULT_ALPHA = 0.05;
/** Default tuning parameter N* of the confidence sequence (GrowthBook's 5000). */
export const DEFAULT_SEQUENTIAL_TUNING = 5000;

/** Bad input: `field` is the dotted path of the offending value (e.g. `treatment.successes`). */
export class StatsInputError extends Error {
  readonly field: string;
  readonly problem: string;
  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.name = 'StatsInputError';
    this.field = field;
    this.problem = problem;
  }
}

const TOP_KEYS = new Set([
  'id',
  'kind',
  'control',
  'treatment',
  'alpha',
  'expectedSplit',
  'sequential',
  'sequentialTuning',
  'direction',
]);
const ARM_KEYS = { binomial: new Set(['n', 'successes']), continuous: new Set(['n', 'mean', 'sd']) };

const show = (v: unknown): string => {
  if (typeof v === 'number') return String(v);
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finite(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new StatsInputError(field, `must be a finite number, got ${show(v)}`);
  return v;
}

function count(v: unknown, field: string): number {
  const x = finite(v, field);
  if (x < 0) throw new StatsInputError(field, `must not be negative, got ${x}`);
  if (!Number.isInteger(x)) throw new StatsInputError(field, `must be a whole number, got ${x}`);
  return x;
}

function checkKeys(o: Record<string, unknown>, allowed: Set<string>, prefix: string): void {
  for (const k of Object.keys(o))
    if (!allowed.has(k))
      throw new StatsInputError(
        `${prefix}${k}`,
        `unknown field (expected one of ${[...allowed].join(', ')})`,
      );
}

function arm(
  v: unknown,
  kind: MetricSummary['kind'],
  name: 'control' | 'treatment',
): BinomialArm | ContinuousArm {
  if (!isRecord(v)) throw new StatsInputError(name, `must be an object, got ${show(v)}`);
  checkKeys(v, ARM_KEYS[kind], `${name}.`);
  const n = count(v.n, `${name}.n`);
  if (n === 0) throw new StatsInputError(`${name}.n`, 'is 0 (empty cohort)');
  if (n < 2) throw new StatsInputError(`${name}.n`, `is ${n}; a variance needs at least 2 units`);
  if (kind === 'binomial') {
    const successes = count(v.successes, `${name}.successes`);
    if (successes > n) throw new StatsInputError(`${name}.successes`, `${successes} > ${name}.n (${n})`);
    return { n, successes };
  }
  const mean = finite(v.mean, `${name}.mean`);
  const sd = finite(v.sd, `${name}.sd`);
  if (sd < 0) throw new StatsInputError(`${name}.sd`, `must not be negative, got ${sd}`);
  return { n, mean, sd };
}

/**
 * Validates one metric summary (e.g. a parsed JSONL line of `rcr compare`).
 * Defaults: alpha 0.05, no SRM check, sequential false, N* 5000, higher-is-better.
 * @throws StatsInputError naming the first bad field.
 */
export function parseMetricSummary(v: unknown): MetricSummary {
  if (!isRecord(v)) throw new StatsInputError('(line)', `must be a JSON object, got ${show(v)}`);
  checkKeys(v, TOP_KEYS, '');
  if (typeof v.id !== 'string' || v.id === '')
    throw new StatsInputError('id', `must be a non-empty string, got ${show(v.id)}`);
  const kind = v.kind;
  if (kind !== 'binomial' && kind !== 'continuous')
    throw new StatsInputError('kind', `unknown kind ${show(kind)} (expected "binomial" or "continuous")`);
  const control = arm(v.control, kind, 'control');
  const treatment = arm(v.treatment, kind, 'treatment');
  let alpha = DEFAULT_ALPHA;
  if (v.alpha !== undefined) {
    alpha = finite(v.alpha, 'alpha');
    if (!(alpha > 0 && alpha < 1)) throw new StatsInputError('alpha', `must be in (0, 1), got ${alpha}`);
  }
  let expectedSplit: [number, number] | null = null;
  if (v.expectedSplit !== undefined && v.expectedSplit !== null) {
    const s = v.expectedSplit;
    if (!Array.isArray(s) || s.length !== 2)
      throw new StatsInputError('expectedSplit', `must be [control, treatment] fractions, got ${show(s)}`);
    const a = finite(s[0], 'expectedSplit[0]');
    const b = finite(s[1], 'expectedSplit[1]');
    if (!(a > 0)) throw new StatsInputError('expectedSplit[0]', `must be > 0, got ${a}`);
    if (!(b > 0)) throw new StatsInputError('expectedSplit[1]', `must be > 0, got ${b}`);
    expectedSplit = [a / (a + b), b / (a + b)];
  }
  let sequential = false;
  if (v.sequential !== undefined) {
    if (typeof v.sequential !== 'boolean')
      throw new StatsInputError('sequential', `must be true or false, got ${show(v.sequential)}`);
    sequential = v.sequential;
  }
  let sequentialTuning = DEFAULT_SEQUENTIAL_TUNING;
  if (v.sequentialTuning !== undefined) {
    sequentialTuning = finite(v.sequentialTuning, 'sequentialTuning');
    if (!(sequentialTuning > 0))
      throw new StatsInputError('sequentialTuning', `must be > 0, got ${sequentialTuning}`);
  }
  let direction: Direction = 'higher-is-better';
  if (v.direction !== undefined) {
    if (v.direction !== 'higher-is-better' && v.direction !== 'lower-is-better')
      throw new StatsInputError(
        'direction',
        `must be "higher-is-better" or "lower-is-better", got ${show(v.direction)}`,
      );
    direction = v.direction;
  }
  const common = { id: v.id, alpha, expectedSplit, sequential, sequentialTuning, direction };
  return kind === 'binomial'
    ? { ...common, kind, control: control as BinomialArm, treatment: treatment as BinomialArm }
    : { ...common, kind, control: control as ContinuousArm, treatment: treatment as ContinuousArm };
}
