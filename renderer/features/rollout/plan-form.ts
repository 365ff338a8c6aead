/**
 * The plan editor's form: a plan and its stages as typed (strings) ↔ the contract's `RolloutPlan`
 * and `Stage`, with a message per bad field.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import type { Audience, PlannerResult, RolloutPlan, Stage } from '../../../shared/rollout-plans.ts';
import { durationInput, parseDuration, trimNum } from '../../lib/format.ts';

/** Who a stage exposes, as picked in the editor: `everyone`, `allow-list` or `segment`. */
export type AudienceType = Audience['type'];

/** One stage as typed in the editor. */
export interface StageDraft {
  name: string;
  targetPercent: string;
  audienceType: AudienceType;
  /** Allow-list keys, comma- or newline-separated. */
  audienceKeys: string;
  segment: string;
  minObservation: string;
  minSample: string;
  /** Non-inferiority margin, percent of control. */
  marginPercent: string;
  businessMetrics: string;
  approvals: string;
  autoAdvance: boolean;
}

/** A whole plan as typed in the editor: its name, template, stages and planner result. */
export interface PlanDraft {
  name: string;
  templateId: string | null;
  stages: StageDraft[];
  /** The planner's computation the stages came from (kept on save), or null. */
  planner: PlannerResult | null;
}

/** A form error: the field's path (`name`, `stages`, `stages.2.targetPercent`) and a message. */
export interface FieldError {
  path: string;
  message: string;
}

/** A comma- or newline-separated list typed in the editor, trimmed, without empty entries. */
export const splitList = (s: string): string[] =>
  s
    .split(/[,\n]/)
    .map((x) => x.trim())
    .filter(Boolean);

/** A saved stage as the editor shows it (durations as `3d`, the margin in percent). */
export function stageToDraft(s: Stage): StageDraft {
  return {
    name: s.name,
    targetPercent: trimNum(s.targetPercent),
    audienceType: s.audience.type,
    audienceKeys: s.audience.type === 'allow-list' ? s.audience.keys.join(', ') : '',
    segment: s.audience.type === 'segment' ? s.audience.name : '',
    minObservation: durationInput(s.minObservationMs),
    minSample: String(s.minSamplePerCohort),
    marginPercent: trimNum(s.gate.nonInferiorityMargin * 100),
    businessMetrics: s.gate.businessMetrics.join(', '),
    approvals: String(s.approvalsRequired),
    autoAdvance: s.autoAdvance,
  };
}

/**
 * A new stage to add after `after` (none: the first stage): twice its target % (10 % when it is 0
 * or there is none, 100 % when it is not a number; at most 100 %), one day of observation, a 2 %
 * margin, no approvals, named after its % (`everyone` at 100 %).
 */
export function emptyStageDraft(after?: StageDraft): StageDraft {
  const prev = after ? Number(after.targetPercent) : 0;
  const next = Number.isFinite(prev) ? Math.min(100, prev > 0 ? prev * 2 : 10) : 100;
  return {
    name: next >= 100 ? 'everyone' : `${next} %`,
    targetPercent: String(next),
    audienceType: 'everyone',
    audienceKeys: '',
    segment: '',
    minObservation: '1d',
    minSample: '0',
    marginPercent: '2',
    businessMetrics: '',
    approvals: '0',
    autoAdvance: false,
  };
}

/** A saved plan or a template (its `id` becomes the template id) as the editor shows it. */
export function planToDraft(p: {
  name: string;
  templateId?: string | null;
  id?: string;
  stages: readonly Stage[];
  planner?: PlannerResult | null;
}): PlanDraft {
  return {
    name: p.name,
    templateId: p.templateId ?? p.id ?? null,
    stages: p.stages.map(stageToDraft),
    planner: p.planner ?? null,
  };
}

function parseStage(d: StageDraft, i: number, errors: FieldError[]): Stage | null {
  const at = (field: string, message: string) =>
    errors.push({ path: `stages.${i}.${field}`, message: `stage ${i + 1}: ${message}` });
  const before = errors.length;
  const name = d.name.trim();
  if (!name) at('name', 'name is required');
  const pct = Number(d.targetPercent.trim());
  if (d.targetPercent.trim() === '' || !Number.isFinite(pct))
    at('targetPercent', 'target % must be a number');
  else if (pct <= 0 || pct > 100) at('targetPercent', 'target % must be above 0 and at most 100');
  let audience: Audience = { type: 'everyone' };
  if (d.audienceType === 'allow-list') {
    const keys = splitList(d.audienceKeys);
    if (!keys.length) at('audience', 'an allow-list needs at least one key');
    audience = { type: 'allow-list', keys };
  } else if (d.audienceType === 'segment') {
    if (!d.segment.trim()) at('audience', 'a segment needs a name');
    audience = { type: 'segment', name: d.segment.trim() };
  }
  const obs = parseDuration(d.minObservation);
  if (obs === null) at('minObservation', 'minimum observation must be a duration like 3d, 12h or 30m');
  const sample = Number(d.minSample.trim() || '0');
  if (!Number.isInteger(sample) || sample < 0) at('minSample', 'minimum sample must be a whole number ≥ 0');
  const margin = Number(d.marginPercent.trim() || '0');
  if (!Number.isFinite(margin) || margin < 0 || margin > 100)
    at('margin', 'non-inferiority margin must be between 0 and 100 %');
  const approvals = Number(d.approvals.trim() || '0');
  if (!Number.isInteger(approvals) || approvals < 0 || approvals > 10)
    at('approvals', 'approvals must be a whole number from 0 to 10');
  if (errors.length > before) return null;
  return {
    name,
    targetPercent: pct,
    audience,
    minObservationMs: obs ?? 0,
    minSamplePerCohort: sample,
    gate: {
      nonInferiorityMargin: Number((margin / 100).toPrecision(10)),
      businessMetrics: splitList(d.businessMetrics),
    },
    approvalsRequired: approvals,
    autoAdvance: d.autoAdvance,
  };
}

/** The stages of a draft, or the errors (each names its stage and field). */
export function draftToStages(
  drafts: readonly StageDraft[],
): { ok: true; stages: Stage[] } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (!drafts.length) errors.push({ path: 'stages', message: 'a plan needs at least one stage' });
  const stages = drafts.map((d, i) => parseStage(d, i, errors));
  stages.forEach((s, i) => {
    const prev = stages[i - 1];
    if (s && prev && !(s.targetPercent > prev.targetPercent))
      errors.push({
        path: `stages.${i}.targetPercent`,
        message: `stage ${i + 1}: ${s.targetPercent} % must be above stage ${i}'s ${prev.targetPercent} % (percentages must increase)`,
      });
  });
  if (errors.length) return { ok: false, errors };
  return { ok: true, stages: stages as Stage[] };
}

/** The plan `rollout.savePlan` gets from the editor, or the errors. */
export function draftToPlan(
  flag: FlagRef,
  d: PlanDraft,
): { ok: true; plan: RolloutPlan } | { ok: false; errors: FieldError[] } {
  const parsed = draftToStages(d.stages);
  const errors = parsed.ok ? [] : [...parsed.errors];
  if (!d.name.trim()) errors.unshift({ path: 'name', message: 'the plan needs a name' });
  if (!parsed.ok || errors.length) return { ok: false, errors };
  return {
    ok: true,
    plan: {
      flag: { provider: flag.provider, environment: flag.environment, key: flag.key },
      name: d.name.trim(),
      templateId: d.templateId,
      stages: parsed.stages,
      planner: d.planner,
    },
  };
}
