/**
 * Plan templates: ready-made stage lists an operator starts a plan from (then edits, or lets the
 * planner size). Percentages and durations as the sources give them. Shared: the core serves
 * them (`rollout.templates`) and the renderer's mock API uses the same list.
 *
 * A template value the operator must replace before a stage is applied is a **placeholder**:
 * written `{{…}}` (e.g. the internal users' targeting keys). No placeholder ever reaches a
 * provider: the core refuses to apply a stage whose allow-list holds one.
 */
import { DAY_MS, type PlanTemplate, type Stage } from './rollout-plans.ts';

/** The placeholder the six-stage AI template puts in its internal stage's allow-list. */
export const INTERNAL_USERS_PLACEHOLDER = '{{internal user ids}}';

/**
 * Allow-list keys the templates of earlier builds wrote unmarked (plans saved then still hold
 * them): treated as placeholders too.
 */
const LEGACY_PLACEHOLDER_KEYS: ReadonlySet<string> = new Set(['internal-user']);

/** True when `key` is a template placeholder (`{{…}}`, or a legacy template key) and not a real targeting key. */
export function isPlaceholderKey(key: string): boolean {
  return /^\{\{.*\}\}$/s.test(key.trim()) || LEGACY_PLACEHOLDER_KEYS.has(key);
}

/** The placeholder keys in a stage's allow-list audience (empty for other audiences). */
export function stagePlaceholders(stage: Pick<Stage, 'audience'>): string[] {
  return stage.audience.type === 'allow-list' ? stage.audience.keys.filter(isPlaceholderKey) : [];
}

const HOUR_MS = 3_600_000;

/** A stage with the defaults every template shares (gate margin 2 %, manual advance). */
function stage(
  name: string,
  targetPercent: number,
  minObservationMs: number,
  over: Partial<Stage> = {},
): Stage {
  return {
    name,
    targetPercent,
    audience: { type: 'everyone' },
    minObservationMs,
    minSamplePerCohort: 0,
    gate: { nonInferiorityMargin: 0.02, businessMetrics: [] },
    approvalsRequired: 0,
    autoAdvance: false,
    ...over,
  };
}

/** The templates, in display order. Ids are stable (plans record the id they came from). */
export const PLAN_TEMPLATES: readonly PlanTemplate[] = [
  {
    id: 'ai-six-stage',
    name: '1 % internal → 5 % power users → 10 → 25 → 50 → 100 %',
    description:
      'Internal users first, then power users, then widening percentages; 3 days of observation per stage ' +
      '(3–7 are recommended), 7 days at 50 %. Put your internal users’ targeting keys in the first ' +
      'stage’s allow-list before starting. The gate needs at least one guardrail and one business metric.',
    source:
      'the AI feature-flag rollout checklist: 1 % internal, 5 % power users, 10 %, 25 %, 50 %, then 100 %, 3–7 days per stage',
    requiresEvidence: true,
    stages: [
      stage('internal', 1, 3 * DAY_MS, {
        audience: { type: 'allow-list', keys: [INTERNAL_USERS_PLACEHOLDER] },
      }),
      stage('power users', 5, 3 * DAY_MS, { audience: { type: 'segment', name: 'power-users' } }),
      stage('10 %', 10, 3 * DAY_MS),
      stage('25 %', 25, 3 * DAY_MS),
      stage('50 %', 50, 7 * DAY_MS, { approvalsRequired: 1 }),
      stage('everyone', 100, 3 * DAY_MS),
    ],
  },
  {
    id: 'three-stage',
    name: '10 → 50 → 100 %',
    description: 'A short ramp for lower-risk changes: one day at 10 %, two days at 50 %, then everyone.',
    source: 'a short canary ramp: 10 % → 50 % → 100 %',
    requiresEvidence: false,
    stages: [stage('10 %', 10, DAY_MS), stage('50 %', 50, 2 * DAY_MS), stage('everyone', 100, DAY_MS)],
  },
  {
    id: 'growthbook-ramp',
    name: '1 → 5 → 10 → 25 → 50 → 100 %',
    description:
      'GrowthBook-style ramp-up: each step waits at least a day and advances automatically when the gate passes.',
    source: 'GrowthBook safe rollouts / ramp schedules (docs.growthbook.io), 1 → 5 → 10 → 25 → 50 → 100',
    requiresEvidence: false,
    stages: [1, 5, 10, 25, 50, 100].map((p) =>
      stage(p === 100 ? 'everyone' : `${p} %`, p, p === 100 ? HOUR_MS : DAY_MS, { autoAdvance: p !== 100 }),
    ),
  },
];

/** The template with `id`, or undefined. */
export function findTemplate(id: string): PlanTemplate | undefined {
  return PLAN_TEMPLATES.find((t) => t.id === id);
}
