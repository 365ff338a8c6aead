/**
 * One rollout-monitor evaluation over 200 live flags × 10 guardrails (`monitor.runOnce()`).
 * Target (issue 6): < 50 ms.
 *
 * Setup (not timed): a core on a fresh data folder with an in-memory generated provider of 400
 * flag states (200 in production are used), synced. Per flag: 5 metrics (`events`-sourced): two
 * binomial (errors, conversions — conversions is the business metric the gate checks for
 * non-inferiority), one continuous (latency_ms), one quantile (latency_p, for p95 guardrails), one
 * ratio (cost_per_request); 60 minutes of per-minute rollups per metric and variant (written with
 * `MetricStore.addRollups`, 30 observations per minute and variant, seeded); 10 guardrails over
 * them — absolute (p95 latency, error rate), relative to control (error rate, latency), relative
 * to baseline (error rate), drift (conversions, latency), statistical (errors, conversions,
 * cost) — windows of 30 min; a 3-stage plan at stage 1 (10 %), confirmed 20 min ago, its gate
 * waiting on the observation time. That is 200 flags, 2000 guardrails, 200 gates per evaluation.
 *
 * Timed, in four scenarios, each one warm-up `runOnce()` then `BENCH_ME_RUNS` (default 20) timed
 * runs — median, p95:
 * - A: every stage inside its minimum observation time (the gate's data items wait), no new data
 *   since the last run;
 * - B: every stage past its observation time (the full gate checklist: the stage's comparison of
 *   the business metric, sample counts of every metric), no new data;
 * - C: as B, with one new observation per cohort in the current minute of every series before each
 *   run (not timed): no window of the last run can be reused as a whole;
 * - D (live): as C, and the core's clock moves on by 15 s before each run — a new minute every 4th
 *   run, so every window slides and periodic guardrail-state writes come due.
 * Each run evaluates every guardrail (window reads memoized per metric and span within a run;
 * rows cached across runs by the rollup cache), evaluates every gate, decides, and persists the
 * guardrail states that changed. The periodic write of unchanged states (each every 5 min, spread
 * over them) follows each run, timed apart and reported on its own row.
 *
 * Knobs: `BENCH_ME_FLAGS` (default 200), `BENCH_ME_RUNS` (default 20).
 * Run alone: `node bench/monitor-eval.bench.ts` (from the repo root, with Node 24).
 */
import type { Guardrail } from '../shared/guardrails.ts';
import type { MetricDefinition } from '../shared/metrics.ts';
import { MetricStore } from '../electron/core/metrics/metric-store.ts';
import { addValue, emptyRollup, floorMinute, MINUTE_MS } from '../electron/core/metrics/rollup.ts';
import type { KeyedRollup } from '../electron/core/metrics/metric-store.ts';
import { RolloutStore } from '../electron/core/rollout/rollout-store.ts';
import { threeStagePlan } from '../test/support/rollout-fixtures.ts';
import { openBenchCore } from './lib/core.ts';
import { createGeneratedProvider } from './lib/generated-provider.ts';
import { unwrapResult } from './lib/invoke.ts';
import {
  loadAvg,
  loadRow,
  median,
  ms,
  percentile,
  progress,
  runAsMain,
  spread,
  type BenchReport,
} from './lib/report.ts';
import { gaussian, rng } from './lib/rng.ts';

const BENCH = 'monitor-eval';
const FLAGS = Number(process.env.BENCH_ME_FLAGS ?? 200);
const RUNS = Number(process.env.BENCH_ME_RUNS ?? 20);
const TARGET_MS = 50;
const MINUTES = 60;
const PER_MINUTE = 30;

async function bench(): Promise<BenchReport> {
  const loadAtStart = loadAvg();
  const provider = createGeneratedProvider({ name: 'gen', flags: FLAGS * 2, eventsPerFlag: 1 });
  // The core's clock: real time, moved on by whole minutes in part D.
  let clockOffset = 0;
  const clock = (): number => Date.now() + clockOffset;
  const b = await openBenchCore({
    providers: [{ name: 'gen', kind: 'local' }],
    inject: { gen: provider },
    now: clock,
  });
  const { core } = b;
  try {
    await core.sync.syncAll();
    const flags = core
      .fleet({ provider: 'gen', environment: 'production' })
      .slice(0, FLAGS)
      .map((r) => ({ provider: r.provider, environment: r.environment, key: r.key }));
    if (flags.length < FLAGS) throw new Error(`only ${flags.length} production flags generated`);
    const now = Date.now();
    const store = new MetricStore(core.db);
    // Stage states are seeded straight into the database (as if each stage had been applied).
    const stages = new RolloutStore(core.db);
    const random = rng(20261122);
    const gauss = gaussian(random);
    const t0 = performance.now();
    const metricDefs = (flag: (typeof flags)[number]): MetricDefinition[] => {
      const base = {
        flag,
        unit: '',
        source: { type: 'events' as const },
        controlVariant: 'control',
        treatmentVariant: 'treatment',
        expectedSplit: null,
      };
      return [
        { ...base, name: 'errors', kind: 'binomial', direction: 'lower-is-better', guardrail: true },
        { ...base, name: 'conversions', kind: 'binomial', direction: 'higher-is-better', guardrail: false },
        {
          ...base,
          name: 'latency_ms',
          kind: 'continuous',
          direction: 'lower-is-better',
          unit: 'ms',
          guardrail: true,
        },
        {
          ...base,
          name: 'latency_p',
          kind: 'quantile',
          direction: 'lower-is-better',
          unit: 'ms',
          guardrail: true,
        },
        { ...base, name: 'cost_per_request', kind: 'ratio', direction: 'lower-is-better', guardrail: true },
      ];
    };
    const value = (metric: string): number => {
      if (metric === 'errors') return random() < 0.02 ? 1 : 0;
      if (metric === 'conversions') return random() < 0.3 ? 1 : 0;
      if (metric === 'cost_per_request') return Math.max(0, 0.002 + 0.0005 * gauss());
      return Math.max(1, 180 + 60 * gauss());
    };
    /** `n` seeded observations of `def` for one cohort in the minute holding `at`. */
    const minuteOf = (
      flag: (typeof flags)[number],
      def: MetricDefinition,
      variant: string,
      at: number,
      n: number,
    ): KeyedRollup => {
      const r = emptyRollup();
      for (let i = 0; i < n; i++) addValue(r, value(def.name));
      return {
        provider: flag.provider,
        environment: flag.environment,
        flagKey: flag.key,
        metric: def.name,
        variant,
        minute: floorMinute(at),
        rollup: r,
      };
    };
    for (const flag of flags) {
      const rollups: KeyedRollup[] = [];
      for (const def of metricDefs(flag)) {
        unwrapResult(await core.invoke('metrics.define', def), 'metrics.define');
        for (const variant of ['control', 'treatment'])
          for (let m = 0; m < MINUTES; m++)
            rollups.push(minuteOf(flag, def, variant, now - m * MINUTE_MS, PER_MINUTE));
      }
      store.addRollups(rollups);
      const g = (
        id: string,
        metric: string,
        kind: Guardrail['kind'],
        action: Guardrail['action'] = 'rollback',
      ): Guardrail => ({
        flag,
        id,
        metric,
        kind,
        action,
        rollbackTarget: 'kill',
        consecutiveBreaches: 2,
        windowMinutes: 30,
        minSamplePerCohort: 100,
      });
      const guardrails: Guardrail[] = [
        g('p95-latency', 'latency_p', {
          type: 'absolute',
          statistic: 'p95',
          limit: 1000,
          breachWhen: 'above',
        }),
        g('error-abs', 'errors', { type: 'absolute', statistic: 'mean', limit: 0.2, breachWhen: 'above' }),
        g('error-2x', 'errors', {
          type: 'relative-to-control',
          statistic: 'mean',
          factor: 2,
          breachWhen: 'above',
        }),
        g('latency-rel', 'latency_ms', {
          type: 'relative-to-control',
          statistic: 'mean',
          factor: 1.5,
          breachWhen: 'above',
        }),
        g('error-baseline', 'errors', {
          type: 'relative-to-baseline',
          statistic: 'mean',
          baseline: 0.02,
          factor: 3,
          breachWhen: 'above',
        }),
        g(
          'conv-drift',
          'conversions',
          {
            type: 'drift',
            statistic: 'mean',
            baseline: 0.3,
            warn: 0.5,
            critical: 0.7,
            rollback: 0.9,
            side: 'below',
          },
          'pause',
        ),
        g(
          'latency-drift',
          'latency_ms',
          {
            type: 'drift',
            statistic: 'mean',
            baseline: 180,
            warn: 0.5,
            critical: 0.7,
            rollback: 0.9,
            side: 'above',
          },
          'pause',
        ),
        g('error-seq', 'errors', { type: 'statistical', limit: 0.05, alpha: 0.05 }),
        g('conv-seq', 'conversions', { type: 'statistical', limit: -0.2, alpha: 0.05 }, 'notify'),
        {
          ...g('cost-seq', 'cost_per_request', { type: 'statistical', limit: 0.01, alpha: 0.05 }, 'notify'),
          minSamplePerCohort: 20,
        },
      ];
      for (const x of guardrails)
        unwrapResult(await core.invoke('guardrails.define', x), 'guardrails.define');
      const plan = threeStagePlan(
        flag,
        {
          minObservationMs: 3_600_000,
          gate: { nonInferiorityMargin: 0.5, businessMetrics: [] },
          autoAdvance: false,
        },
        { name: 'bench plan' },
      );
      unwrapResult(await core.invoke('rollout.savePlan', plan), 'rollout.savePlan');
      // At stage 1, confirmed 20 minutes ago (as if the stage had been applied then).
      const s = stages.state(flag)!;
      stages.putState(
        {
          ...s,
          stageIndex: 0,
          status: 'running',
          stageStartedAt: new Date(now - 20 * MINUTE_MS).toISOString(),
        },
        new Date(now).toISOString(),
      );
    }
    const setupMs = performance.now() - t0;
    progress(
      `setup: ${flags.length} flags, ${flags.length * 10} guardrails, ${flags.length * 5 * 2 * MINUTES} rollups in ${(setupMs / 1000).toFixed(1)} s`,
    );

    /**
     * One new observation per variant in the current minute (the core's clock) of every metric of
     * every flag (one `addRollups` transaction, not timed): what a tick sees when new data arrived
     * for every series since the last one — no window of the last tick can be reused.
     */
    const freshData = (): void => {
      const rollups: KeyedRollup[] = [];
      for (const flag of flags)
        for (const def of metricDefs(flag))
          for (const variant of ['control', 'treatment'])
            rollups.push(minuteOf(flag, def, variant, clock(), 1));
      store.addRollups(rollups);
    };

    /** One warm-up run, then RUNS timed runs (each after `before`, not timed). */
    const measure = async (label: string, before: () => void = () => undefined) => {
      const warm = await core.monitor.runOnce();
      progress(`${label}: warm-up ${warm.durationMs.toFixed(1)} ms, ${warm.decisions.length} decisions`);
      if (warm.flags !== flags.length || warm.guardrails !== flags.length * 10)
        throw new Error(
          `evaluated ${warm.flags} flags / ${warm.guardrails} guardrails, expected ${flags.length} / ${flags.length * 10}`,
        );
      const times: number[] = [];
      const flushes: number[] = [];
      let decisions = 0;
      for (let i = 0; i < RUNS; i++) {
        before();
        const t = performance.now();
        const run = await core.monitor.runOnce();
        times.push(performance.now() - t);
        decisions += run.decisions.length;
        // The periodic write of unchanged guardrail states, which follows each evaluation (timed
        // apart: it is not part of the evaluation).
        const f = performance.now();
        core.rollouts.flushStates();
        flushes.push(performance.now() - f);
      }
      return { warm, times, flushes, decisions };
    };
    // A: every stage inside its minimum observation time (the usual case: stages last days).
    const a = await measure('A (observation running)');
    // B: every stage past its minimum observation time: the gate's data items are computed too.
    for (const flag of flags) {
      const st = stages.state(flag)!;
      stages.putState(
        { ...st, stageStartedAt: new Date(now - 70 * MINUTE_MS).toISOString() },
        new Date(now).toISOString(),
      );
    }
    const bRun = await measure('B (all gates due)');
    // C: as B, with new data for every series before each run (every window read again).
    const cRun = await measure('C (all gates due, new data every run)', freshData);
    // D: live — before each run the clock moves on by a 15 s monitor interval and every series gets
    // new data; every 4th run starts a new minute (every window slides, states come due).
    const dRun = await measure('D (live: +15 s and new data every run)', () => {
      clockOffset += 15_000;
      freshData();
    });
    const gatesPassed = bRun.warm.decisions.filter((d) => d.inputs.gate?.passed).length;
    const statuses = new Map<string, number>();
    for (const v of core.rollouts.guardrails()) {
      const st = core.rollouts.guardrailState(v)?.status ?? 'none';
      statuses.set(st, (statuses.get(st) ?? 0) + 1);
    }
    const medA = median(a.times);
    const medB = median(bRun.times);
    const medC = median(cRun.times);
    const medD = median(dRun.times);
    return {
      bench: BENCH,
      rows: [
        {
          bench: BENCH,
          metric: `monitor evaluation, ${flags.length} flags × 10 guardrails, gates waiting on observation time`,
          value: ms(medA),
          target: `< ${TARGET_MS} ms`,
          met: medA < TARGET_MS,
          note: `median; p95 ${ms(percentile(a.times, 95))}; ${spread(a.times)}`,
        },
        {
          bench: BENCH,
          metric: `monitor evaluation, ${flags.length} flags × 10 guardrails, every gate due (full checklist)`,
          value: ms(medB),
          target: `< ${TARGET_MS} ms`,
          met: medB < TARGET_MS,
          note: `median; p95 ${ms(percentile(bRun.times, 95))}; ${spread(bRun.times)}; ${gatesPassed} gates passed`,
        },
        {
          bench: BENCH,
          metric: `monitor evaluation, ${flags.length} flags × 10 guardrails, every gate due, new data in every series since the last run`,
          value: ms(medC),
          target: `< ${TARGET_MS} ms`,
          met: medC < TARGET_MS,
          note: `median; p95 ${ms(percentile(cRun.times, 95))}; ${spread(cRun.times)}`,
        },
        {
          bench: BENCH,
          metric: `monitor evaluation, ${flags.length} flags × 10 guardrails, every gate due, live: clock +15 s and new data in every series before each run`,
          value: ms(medD),
          target: `< ${TARGET_MS} ms`,
          met: medD < TARGET_MS,
          note: `median; p95 ${ms(percentile(dRun.times, 95))}; ${spread(dRun.times)}; a new minute every 4th run`,
        },
        {
          bench: BENCH,
          metric: 'D: periodic write of unchanged guardrail states after each evaluation (not part of it)',
          value: ms(median(dRun.flushes)),
          note: `median; p95 ${ms(percentile(dRun.flushes, 95))}; ${spread(dRun.flushes)}`,
        },
        {
          bench: BENCH,
          metric: 'first evaluation (records one hold decision per flag)',
          value: ms(a.warm.durationMs),
          note: `${a.warm.decisions.length} decisions; later runs recorded ${a.decisions + bRun.decisions + cRun.decisions + dRun.decisions} in all`,
        },
        {
          bench: BENCH,
          metric: 'guardrail states after the runs',
          value: [...statuses].map(([k, n]) => `${k} ${n}`).join(', '),
        },
        loadRow(BENCH, loadAtStart),
      ],
      raw: {
        timesA: a.times,
        timesB: bRun.times,
        timesC: cRun.times,
        timesD: dRun.times,
        flags: flags.length,
        guardrails: flags.length * 10,
        setupMs,
        firstRunMs: a.warm.durationMs,
      },
    };
  } finally {
    await b.dispose();
  }
}

runAsMain(import.meta.url, bench);
