/**
 * The guardrail side of the fake monitor (./fake-rollout.ts): each guardrail judged by the core's
 * own `evaluateGuardrail` (electron/core/rollout/guardrails.ts) on cohorts the test chooses
 * through {@link GuardrailValue}, not on metric events. Only for renderer unit tests and the
 * development-only `?mock` page (renderer/dev-mock.ts).
 */
import type { ChannelOutput } from '../../shared/contract.ts';
import type { FlagRef } from '../../shared/domain.ts';
import type { MetricDefinition } from '../../shared/metrics.ts';
import type { Guardrail, GuardrailState } from '../../shared/guardrails.ts';
import {
  evaluateGuardrail,
  type ArmData,
  type GuardrailVerdict,
} from '../../electron/core/rollout/guardrails.ts';
import { idOf } from './fake-journal.ts';

/**
 * The value of a guardrail's statistic (mean or any quantile) in the treatment cohort when the
 * monitor evaluates it, or null for no data. Each cohort then has 1000 units; the control has no
 * value, so guardrails relative to control and statistical ones see no data.
 */
export type GuardrailValue = (g: Guardrail) => number | null;

/** `monitor.status` of the fake: a monitor that is not running. */
export const IDLE_MONITOR: ChannelOutput<'monitor.status'> = {
  running: false,
  intervalMs: 30_000,
  lastRunAt: null,
  lastDurationMs: null,
  lastError: null,
  lastSuccessAt: null,
  lastFailureAt: null,
  consecutiveFailures: 0,
  leader: false,
  monitorProcess: null,
  pendingActions: 0,
};

/** Both cohorts as a guardrail sees them for a treatment value (see {@link GuardrailValue}). */
function arms(value: number | null): { control: ArmData; treatment: ArmData } {
  const none = { n: 0, mean: null, variance: null, quantiles: null };
  if (value === null) return { control: none, treatment: none };
  return {
    control: { ...none, n: 1000 },
    treatment: { n: 1000, mean: value, variance: null, quantiles: { p50: value, p95: value, p99: value } },
  };
}

/**
 * The core's verdict on each of the flag's guardrails over a sliding window of its
 * `windowMinutes`, after the previous states in `live` (keyed `provider/env/key#id`, updated).
 */
export function evaluateGuardrails(
  flag: FlagRef,
  guardrails: readonly Guardrail[],
  metrics: readonly MetricDefinition[],
  live: Map<string, GuardrailState>,
  value: GuardrailValue | undefined,
  now: number,
): GuardrailVerdict[] {
  const defs = new Map(metrics.map((m) => [m.name, m]));
  return guardrails.map((g) => {
    const key = `${idOf(flag)}#${g.id}`;
    const v = evaluateGuardrail({
      guardrail: g,
      def: defs.get(g.metric),
      ...arms(value?.(g) ?? null),
      span: { kind: 'window', minutes: g.windowMinutes },
      sourceError: null,
      previous: live.get(key) ?? null,
      now,
    });
    live.set(key, v.state);
    return v;
  });
}
