/** The guardrail dialog's form: a guardrail as typed (strings) ↔ the contract's `Guardrail`. */
import type { FlagRef } from '../../../shared/domain.ts';
import type { Guardrail, RollbackTarget } from '../../../shared/guardrails.ts';
import { trimNum } from '../../lib/format.ts';

/** What a guardrail compares against: `absolute`, `relative-to-control`, `drift`, …. */
export type GuardrailKindType = Guardrail['kind']['type'];
/** The statistic a guardrail reads from its metric. */
export type Statistic = 'mean' | 'p50' | 'p95' | 'p99';

/** A guardrail as typed in its dialog (every number a string; fields unused by the kind are kept). */
export interface GuardrailDraft {
  id: string;
  metric: string;
  kindType: GuardrailKindType;
  statistic: Statistic;
  breachWhen: 'above' | 'below';
  limit: string;
  factor: string;
  baseline: string;
  /** Drift tiers, percent deviation. */
  warnPercent: string;
  criticalPercent: string;
  rollbackPercent: string;
  side: 'both' | 'above' | 'below';
  alpha: string;
  action: Guardrail['action'];
  rollbackTarget: RollbackTarget;
  consecutiveBreaches: string;
  windowMinutes: string;
  minSamplePerCohort: string;
}

/**
 * A new guardrail's form for `metric` (id `<metric>-guard`): an absolute limit on the mean that
 * rolls back (kill) after 2 breaches in a row over 30 min, with at least 100 units per cohort.
 */
export const initialGuardrailDraft = (metric = ''): GuardrailDraft => ({
  id: metric ? `${metric}-guard` : '',
  metric,
  kindType: 'absolute',
  statistic: 'mean',
  breachWhen: 'above',
  limit: '',
  factor: '2',
  baseline: '',
  warnPercent: '10',
  criticalPercent: '20',
  rollbackPercent: '30',
  side: 'both',
  alpha: '0.05',
  action: 'rollback',
  rollbackTarget: 'kill',
  consecutiveBreaches: '2',
  windowMinutes: '30',
  minSamplePerCohort: '100',
});

/** A defined guardrail as its dialog shows it (drift tiers in percent). */
export function guardrailToDraft(g: Guardrail): GuardrailDraft {
  const d = initialGuardrailDraft(g.metric);
  const k = g.kind;
  const base: GuardrailDraft = {
    ...d,
    id: g.id,
    kindType: k.type,
    action: g.action,
    rollbackTarget: g.rollbackTarget,
    consecutiveBreaches: String(g.consecutiveBreaches),
    windowMinutes: String(g.windowMinutes),
    minSamplePerCohort: String(g.minSamplePerCohort),
  };
  if (k.type === 'statistical') return { ...base, limit: String(k.limit), alpha: String(k.alpha) };
  base.statistic = k.statistic;
  if (k.type === 'absolute') return { ...base, limit: String(k.limit), breachWhen: k.breachWhen };
  if (k.type === 'relative-to-control')
    return { ...base, factor: String(k.factor), breachWhen: k.breachWhen };
  if (k.type === 'relative-to-baseline')
    return { ...base, factor: String(k.factor), baseline: String(k.baseline), breachWhen: k.breachWhen };
  return {
    ...base,
    baseline: String(k.baseline),
    warnPercent: trimNum(k.warn * 100),
    criticalPercent: trimNum(k.critical * 100),
    rollbackPercent: trimNum(k.rollback * 100),
    side: k.side,
  };
}

/** The guardrail `guardrails.define` gets from the form, or the first error. */
export function draftToGuardrail(
  flag: FlagRef,
  d: GuardrailDraft,
): { ok: true; value: Guardrail } | { ok: false; message: string } {
  const num = (s: string) => (s.trim() === '' ? NaN : Number(s.trim()));
  const id = d.id.trim();
  if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(id))
    return { ok: false, message: 'id: use 1–100 letters, digits, "_", ".", ":" or "-"' };
  if (!d.metric.trim()) return { ok: false, message: 'metric: choose a metric of the flag' };
  let kind: Guardrail['kind'];
  switch (d.kindType) {
    case 'absolute': {
      const limit = num(d.limit);
      if (!Number.isFinite(limit)) return { ok: false, message: 'limit must be a number' };
      kind = { type: 'absolute', statistic: d.statistic, limit, breachWhen: d.breachWhen };
      break;
    }
    case 'relative-to-control': {
      const factor = num(d.factor);
      if (!(factor > 0)) return { ok: false, message: 'factor must be above 0' };
      kind = { type: 'relative-to-control', statistic: d.statistic, factor, breachWhen: d.breachWhen };
      break;
    }
    case 'relative-to-baseline': {
      const factor = num(d.factor);
      const baseline = num(d.baseline);
      if (!(factor > 0)) return { ok: false, message: 'factor must be above 0' };
      if (!Number.isFinite(baseline) || baseline === 0)
        return { ok: false, message: 'baseline must be a number other than 0' };
      kind = {
        type: 'relative-to-baseline',
        statistic: d.statistic,
        baseline,
        factor,
        breachWhen: d.breachWhen,
      };
      break;
    }
    case 'drift': {
      const baseline = num(d.baseline);
      const [warn, critical, rollback] = [d.warnPercent, d.criticalPercent, d.rollbackPercent].map(
        (x) => num(x) / 100,
      ) as [number, number, number];
      if (!Number.isFinite(baseline) || baseline === 0)
        return { ok: false, message: 'baseline must be a number other than 0' };
      if (!(warn > 0 && warn < critical && critical < rollback))
        return { ok: false, message: 'drift tiers must increase: 0 < warn < critical < roll back' };
      kind = { type: 'drift', statistic: d.statistic, baseline, warn, critical, rollback, side: d.side };
      break;
    }
    case 'statistical': {
      const limit = num(d.limit === '' ? '0' : d.limit);
      const alpha = num(d.alpha);
      if (!Number.isFinite(limit)) return { ok: false, message: 'limit must be a number' };
      if (!(alpha > 0 && alpha < 0.5)) return { ok: false, message: 'α must be between 0 and 0.5' };
      kind = { type: 'statistical', limit, alpha };
      break;
    }
  }
  const consecutive = num(d.consecutiveBreaches);
  if (!Number.isInteger(consecutive) || consecutive < 1 || consecutive > 100)
    return { ok: false, message: 'breaches in a row must be a whole number from 1 to 100' };
  const windowMinutes = num(d.windowMinutes);
  if (!Number.isInteger(windowMinutes) || windowMinutes < 1 || windowMinutes > 10_080)
    return { ok: false, message: 'window must be 1 to 10080 minutes' };
  const minSample = num(d.minSamplePerCohort);
  if (!Number.isInteger(minSample) || minSample < 0)
    return { ok: false, message: 'minimum sample must be a whole number ≥ 0' };
  return {
    ok: true,
    value: {
      flag: { provider: flag.provider, environment: flag.environment, key: flag.key },
      id,
      metric: d.metric.trim(),
      kind,
      action: d.action,
      rollbackTarget: d.rollbackTarget,
      consecutiveBreaches: consecutive,
      windowMinutes,
      minSamplePerCohort: minSample,
    },
  };
}
