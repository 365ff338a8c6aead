/**
 * Guardrail evaluation (pure): one guardrail, the two cohorts' numbers over its span (see
 * {@link GuardrailSpan}: a sliding window, or the current stage so far), the previous state → the
 * new {@link GuardrailState} and what, if anything, it asks the monitor to do.
 *
 * Rules (docs/rollouts.md, "Guardrails"):
 * - No data — the metric is not defined, its source failed, or the span has no rows — is
 *   `no-data`; it never passes. After `consecutiveBreaches` such evaluations in a row it asks to
 *   PAUSE (never to advance or roll back): Argo Rollouts #1905.
 * - Too small a sample (below `minSamplePerCohort` in either cohort) is `no-data` too, but does not
 *   count toward the pause: the stage is still filling up (the gate's min-sample item waits). Nor
 *   does an empty span that starts at a restart (`restart`) during its first full minute: the
 *   evidence window is only filling (after that minute, no data counts again).
 * - A breach acts after `consecutiveBreaches` breaches in a row (Argo's failureLimit); a sample
 *   ratio mismatch (SRM) and the drift rollback tier act at once.
 * - The statistical kind reuses the engine's always-valid confidence sequence
 *   (electron/core/stats/inference.ts `sequentialInterval`, Waudby-Smith et al. 2023): the
 *   two-sided (1 − 2α) sequence gives the one-sided (1 − α) bound of Δ = treatment − control.
 *   A confidence sequence is time-uniform only for a sample that grows from a fixed start, so
 *   while a stage is live the caller (evaluate.ts) reads its cohorts cumulatively since the
 *   stage's start ({@link GuardrailSpan} `stage`): the bound is then valid under the monitor's
 *   repeated looks. Without a live stage it is read over the sliding window (`window`) — each look
 *   a different sample, so the guarantee does not hold; the label says "sliding window" instead
 *   of "sequential" and the note says the bound is not always-valid.
 * - The other kinds are point checks over the sliding window (`window`): there responsiveness
 *   matters most, and they claim no error rate to keep.
 * - Notes name the span read ("in the last 30 min", "since the stage started at 09:00 UTC").
 */
import type { MetricDefinition } from '../../../shared/metrics.ts';
import type {
  Guardrail,
  GuardrailAction,
  GuardrailSpan,
  GuardrailState,
  GuardrailStatus,
} from '../../../shared/guardrails.ts';
import { sequentialInterval, srmTest, welchTest } from '../stats/inference.ts';
import { DEFAULT_SEQUENTIAL_TUNING } from '../stats/summary.ts';

/** The span of per-minute rollups both cohorts were read over (shared/guardrails.ts). */
export type { GuardrailSpan };

/**
 * The span in words, to follow a noun: "in the last 30 min", or "since the stage started at
 * 09:00 UTC" (with the date, "2026-03-01 09:00 UTC", when it is not `now`'s UTC day).
 * @param now ms since epoch.
 */
export function describeSpan(span: GuardrailSpan, now: number): string {
  if (span.kind === 'window') return `in the last ${span.minutes} min`;
  const memo = span.kind === 'restart' ? restartSince : stageSince;
  let words = memo.get(span.since);
  if (!words) {
    const iso = new Date(span.since).toISOString();
    const what = span.kind === 'restart' ? 'since the restart (from' : 'since the stage started at';
    const end = span.kind === 'restart' ? ')' : '';
    words = {
      day: Math.floor(Date.parse(iso) / DAY_MS),
      sameDay: `${what} ${iso.slice(11, 16)} UTC${end}`,
      otherDay: `${what} ${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC${end}`,
    };
    if (memo.size >= 10_000) memo.clear();
    memo.set(span.since, words);
  }
  return words.day === Math.floor(now / DAY_MS) ? words.sameDay : words.otherDay;
}

const DAY_MS = 86_400_000;
/** {@link describeSpan}'s words for a stage start (by its ISO time): every tick repeats them. */
const stageSince = new Map<string, { day: number; sameDay: string; otherDay: string }>();
/** The same for a restart's evidence window. */
const restartSince = new Map<string, { day: number; sameDay: string; otherDay: string }>();

/** Added to a statistical guardrail's note when it was judged on a sliding window. */
export const SLIDING_CAVEAT =
  'no live stage, so the bound is not always-valid (repeated looks on a sliding window)';

/** One cohort's numbers over the guardrail's span. */
export interface ArmData {
  /** Units (binomial/continuous/quantile) or minutes with data (ratio). */
  n: number;
  /** Mean (binomial: the rate), or null without data. */
  mean: number | null;
  /** Per-unit variance (binomial: p(1 − p)), or null below 2 units. */
  variance: number | null;
  quantiles: { p50: number; p95: number; p99: number } | null;
}

/**
 * Input of {@link evaluateGuardrail}: the guardrail, its metric definition, both cohorts' numbers over
 * the span, the source's error, the previous state and the time.
 */
export interface GuardrailInput {
  guardrail: Guardrail;
  /** The metric's definition, or undefined when it is not defined for the flag. */
  def: MetricDefinition | undefined;
  control: ArmData;
  treatment: ArmData;
  /** The span `control` and `treatment` were read over (named in the note). */
  span: GuardrailSpan;
  /** Why the metric's source failed (e.g. Prometheus unreachable), or null. */
  sourceError: string | null;
  previous: GuardrailState | null;
  /** ms since epoch. */
  now: number;
}

/** The evaluation's result. */
export interface GuardrailVerdict {
  state: GuardrailState;
  /** The action the guardrail asks for now, or null. */
  act: GuardrailAction | null;
  /** True on the evaluation where the guardrail first asks for `act` (used to notify once). */
  firstFire: boolean;
}

/** Sparkline length. */
export const RECENT_VALUES = 60;

const fmt = (x: number): string =>
  !Number.isFinite(x)
    ? String(x)
    : Math.abs(x) >= 100
      ? Number(x.toFixed(1)).toString()
      : Number(x.toPrecision(3)).toString();

function statisticOf(arm: ArmData, statistic: 'mean' | 'p50' | 'p95' | 'p99'): number | null {
  if (statistic === 'mean') return arm.mean;
  return arm.quantiles ? arm.quantiles[statistic] : null;
}

interface Judgement {
  status: GuardrailStatus;
  value: number | null;
  limit: number | null;
  valueLabel: string;
  interval: [number, number] | null;
  note: string;
  /** Act at once regardless of the streak (drift rollback tier). */
  immediate: 'drift-rollback-tier' | null;
  /** Counts toward the no-data pause. */
  noDataCounts: boolean;
}

const noData = (note: string, counts: boolean, valueLabel = ''): Judgement => ({
  status: 'no-data',
  value: null,
  limit: null,
  valueLabel,
  interval: null,
  note,
  immediate: null,
  noDataCounts: counts,
});

/**
 * Judges the kind's rule on data known to be present and large enough. `where`: the span in words
 * ({@link describeSpan}); `anchored`: the span grows from the stage's start (statistical kind:
 * only then is the bound "sequential", i.e. valid under repeated looks).
 */
function judge(
  g: Guardrail,
  def: MetricDefinition,
  c: ArmData,
  t: ArmData,
  where: string,
  anchored: boolean,
): Judgement {
  const k = g.kind;
  const metric = `${def.name}${def.unit ? ` (${def.unit})` : ''}`;
  if (k.type === 'statistical') {
    if (c.mean === null || t.mean === null || c.variance === null || t.variance === null)
      return noData(`not enough data for an interval of ${metric} ${where}`, false, 'Δ bound');
    const a = { n: c.n, mean: c.mean, variance: c.variance };
    const b = { n: t.n, mean: t.mean, variance: t.variance };
    const w = welchTest(a, b, 2 * k.alpha);
    const seq = sequentialInterval(w.estimate, w.se, a.n + b.n, 2 * k.alpha, DEFAULT_SEQUENTIAL_TUNING);
    const lowerIsBetter = def.direction === 'lower-is-better';
    const bound = lowerIsBetter ? seq.ci[0] : seq.ci[1];
    const breached = lowerIsBetter ? bound > k.limit : bound < k.limit;
    const level = `${fmt((1 - k.alpha) * 100)} %`;
    const side = lowerIsBetter ? 'lower' : 'upper';
    // "sequential" only when anchored: on a sliding window the same formula is not always-valid.
    const sequential = anchored ? ' sequential' : '';
    const context = anchored ? where : `${where}; ${SLIDING_CAVEAT}`;
    return {
      status: breached ? 'breached' : 'ok',
      value: bound,
      limit: k.limit,
      valueLabel: `Δ ${side} bound (one-sided ${level}, ${anchored ? 'sequential' : 'sliding window'})`,
      interval: seq.ci,
      note: breached
        ? `treatment is worse on ${metric}: the one-sided ${level}${sequential} bound of Δ is ${fmt(bound)}, beyond the limit ${fmt(k.limit)} (Δ = ${fmt(w.estimate)} ${context})`
        : `${metric}: Δ = ${fmt(w.estimate)}, one-sided ${level}${sequential} ${side} bound ${fmt(bound)} within the limit ${fmt(k.limit)} (${context})`,
      immediate: null,
      noDataCounts: false,
    };
  }
  const tv = statisticOf(t, k.statistic);
  const label = `treatment ${k.statistic === 'mean' ? (def.kind === 'binomial' ? 'rate' : 'mean') : k.statistic}`;
  if (tv === null) return noData(`no ${k.statistic} of ${metric} in the treatment cohort`, false, label);
  if (k.type === 'absolute') {
    const breached = k.breachWhen === 'above' ? tv > k.limit : tv < k.limit;
    return {
      status: breached ? 'breached' : 'ok',
      value: tv,
      limit: k.limit,
      valueLabel: label,
      interval: null,
      note: `${label} of ${metric} is ${fmt(tv)}, ${breached ? '' : 'not '}${k.breachWhen} the limit ${fmt(k.limit)}`,
      immediate: null,
      noDataCounts: false,
    };
  }
  if (k.type === 'relative-to-control') {
    const cv = statisticOf(c, k.statistic);
    if (cv === null) return noData(`no ${k.statistic} of ${metric} in the control cohort`, false, label);
    const limitValue = k.factor * cv;
    const breached = k.breachWhen === 'above' ? tv > limitValue : tv < limitValue;
    return {
      status: breached ? 'breached' : 'ok',
      value: cv !== 0 ? tv / cv : null,
      limit: k.factor,
      valueLabel: `${label} / control`,
      interval: null,
      note: `${label} of ${metric} is ${fmt(tv)} vs control ${fmt(cv)} (${cv !== 0 ? `${fmt(tv / cv)}×` : 'control is 0'}), ${breached ? '' : 'not '}${k.breachWhen} ${fmt(k.factor)}× control`,
      immediate: null,
      noDataCounts: false,
    };
  }
  if (k.type === 'relative-to-baseline') {
    const limitValue = k.factor * k.baseline;
    const breached = k.breachWhen === 'above' ? tv > limitValue : tv < limitValue;
    return {
      status: breached ? 'breached' : 'ok',
      value: tv / k.baseline,
      limit: k.factor,
      valueLabel: `${label} / baseline`,
      interval: null,
      note: `${label} of ${metric} is ${fmt(tv)} = ${fmt(tv / k.baseline)}× the baseline ${fmt(k.baseline)}, ${breached ? '' : 'not '}${k.breachWhen} ${fmt(k.factor)}×`,
      immediate: null,
      noDataCounts: false,
    };
  }
  // drift
  const dev = (tv - k.baseline) / Math.abs(k.baseline);
  const counted = k.side === 'both' || (k.side === 'above' ? dev > 0 : dev < 0);
  const drift = counted ? Math.abs(dev) : 0;
  const tier =
    drift >= k.rollback ? 'rollback' : drift >= k.critical ? 'critical' : drift >= k.warn ? 'warn' : 'ok';
  const pct = (x: number): string => `${fmt(x * 100)} %`;
  return {
    status: tier === 'ok' ? 'ok' : tier === 'warn' ? 'warn' : 'breached',
    value: drift,
    limit: k.critical,
    valueLabel: 'drift from baseline',
    interval: null,
    note: `${label} of ${metric} is ${fmt(tv)}, ${pct(dev)} from the baseline ${fmt(k.baseline)}: ${
      tier === 'ok'
        ? `below the warn tier ${pct(k.warn)}`
        : `${tier} tier (${pct(tier === 'warn' ? k.warn : tier === 'critical' ? k.critical : k.rollback)})`
    }`,
    immediate: tier === 'rollback' ? 'drift-rollback-tier' : null,
    noDataCounts: false,
  };
}

/** The ISO time of `ms`; the last one is kept (a monitor tick evaluates every guardrail at one time). */
let lastIso = { ms: NaN, iso: '' };
function isoAt(ms: number): string {
  if (ms !== lastIso.ms) lastIso = { ms, iso: new Date(ms).toISOString() };
  return lastIso.iso;
}

/**
 * Evaluates one guardrail (pure). See the module docs for the rules.
 * @returns the new state, the action asked for (or null) and whether it is asked for the first time.
 */
export function evaluateGuardrail(input: GuardrailInput): GuardrailVerdict {
  const { guardrail: g, def, control: c, treatment: t, previous } = input;
  const where = describeSpan(input.span, input.now);
  let j: Judgement;
  let srm: { pValue: number; mismatch: boolean } | null = null;
  if (!def) j = noData(`metric "${g.metric}" is not defined for flag "${g.flag.key}"`, true);
  else if (input.sourceError)
    j = noData(`the ${def.source.type} source of "${def.name}" failed: ${input.sourceError}`, true);
  else if (c.n === 0 && t.n === 0)
    j = noData(
      `no data for "${def.name}" ${where}`,
      !(input.span.kind === 'restart' && input.now < Date.parse(input.span.since) + 60_000),
    );
  else {
    if (def.expectedSplit && def.kind !== 'ratio' && c.n + t.n > 0)
      srm = srmTest(c.n, t.n, def.expectedSplit);
    const unit = def.kind === 'ratio' ? 'minutes' : 'units';
    if (Math.min(c.n, t.n) < g.minSamplePerCohort)
      j = noData(
        `insufficient sample for "${def.name}" ${where}: ${c.n} control and ${t.n} treatment ${unit}, need ${g.minSamplePerCohort} each`,
        false,
      );
    else j = judge(g, def, c, t, where, input.span.kind !== 'window');
  }

  const prevConsecutive = previous?.consecutive ?? 0;
  const counts = j.status === 'breached' || (j.status === 'no-data' && j.noDataCounts);
  const consecutive = counts ? prevConsecutive + 1 : 0;
  let act: GuardrailAction | null = null;
  let fired: string | null = null;
  let firstFire = false;
  let status = j.status;
  let note = j.note;
  const wasActing = previous?.fired !== null && previous?.fired !== undefined;

  if (srm?.mismatch) {
    status = 'breached';
    act = g.action;
    fired = 'srm';
    firstFire = previous?.fired !== 'srm';
    note = `sample ratio mismatch on "${g.metric}" (p = ${srm.pValue.toExponential(2)}, ${c.n} control vs ${t.n} treatment units, expected split ${def?.expectedSplit?.join(':')}): the data is not trustworthy; ${note}`;
  } else if (j.immediate) {
    act = 'rollback';
    fired = j.immediate;
    firstFire = previous?.fired !== j.immediate;
  } else if (j.status === 'breached') {
    if (consecutive >= g.consecutiveBreaches) {
      act = g.action;
      fired = 'consecutive-breaches';
      firstFire = !wasActing || previous?.fired !== 'consecutive-breaches';
      note = `${note} (${consecutive} ${consecutive === 1 ? 'breach' : 'breaches'} in a row, limit ${g.consecutiveBreaches})`;
    } else note = `${note} (breach ${consecutive} of ${g.consecutiveBreaches} before acting)`;
  } else if (j.status === 'no-data' && j.noDataCounts) {
    if (consecutive >= g.consecutiveBreaches) {
      act = 'pause';
      fired = 'no-data';
      firstFire = previous?.fired !== 'no-data';
      note = `${note} (${consecutive} evaluations in a row without data: pause)`;
    }
  } else if (j.status === 'warn') {
    act = 'notify';
    fired = 'drift-warn-tier';
    firstFire = previous?.status !== 'warn';
  }

  const at = isoAt(input.now);
  const kept = previous?.recent ?? [];
  const recent = kept.slice(Math.max(0, kept.length + 1 - RECENT_VALUES));
  recent.push({ at, value: j.value, status });
  return {
    state: {
      guardrail: g,
      status,
      value: j.value,
      limit: j.limit,
      valueLabel: j.valueLabel,
      control: { n: c.n, value: def ? c.mean : null },
      treatment: { n: t.n, value: def ? t.mean : null },
      interval: j.interval,
      srm,
      consecutive,
      fired,
      note,
      span: input.span,
      recent,
      evaluatedAt: at,
    },
    act,
    firstFire,
  };
}
