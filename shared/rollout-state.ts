/**
 * Schemas of where a flag's staged rollout stands (see docs/rollouts.md): its status and live
 * state, operator approvals, the current stage's gate checklist, and the view `rollout.get`
 * returns (plan, state, gate, guardrail states and calendar).
 *
 * Times are ISO 8601 strings. No `electron`, `node:` or DOM imports.
 */
import { z } from 'zod';
import { FlagRefSchema } from './domain.ts';
import { GuardrailStateSchema } from './guardrails.ts';
import { RolloutPlanSchema } from './rollout-plans.ts';

const IsoTime = z.string().datetime({ offset: true });

/** Where a flag's rollout is. `draft`: planned, stage 0 not applied yet. */
export const RolloutStatusSchema = z.enum(['draft', 'running', 'paused', 'rolled-back', 'completed']);
/** Where a flag's rollout is ({@link RolloutStatusSchema}). */
export type RolloutStatus = z.infer<typeof RolloutStatusSchema>;

/** An operator's approval to advance from a stage (`rollout.approve`): who, when and why. */
export const ApprovalSchema = z.object({
  stageIndex: z.number().int(),
  actor: z.string(),
  at: IsoTime,
  reason: z.string(),
});
/** An operator's approval ({@link ApprovalSchema}). */
export type Approval = z.infer<typeof ApprovalSchema>;

/** The live state of a flag's rollout. */
export const RolloutStateSchema = z.object({
  flag: FlagRefSchema,
  /** Index into the plan's stages; −1 before the first stage is applied. */
  stageIndex: z.number().int(),
  status: RolloutStatusSchema,
  /** When the provider confirmed the current stage (observation time counts from here), or `null`. */
  stageStartedAt: IsoTime.nullable(),
  /** Why the rollout is paused / rolled back, or `null`. */
  reason: z.string().nullable(),
  approvals: z.array(ApprovalSchema),
  /** An outbox action of this flag not yet confirmed or failed, or `null`. */
  pendingActionId: z.number().int().nullable(),
  /**
   * Start of the current evidence window (ISO), or `null`: set when a rolled-back or paused rollout
   * is restarted or resumed, or its killed flag restored. Guardrails then read only data from the
   * first full minute after it, and breach streaks evaluated before it do not count — a restart is
   * judged on data after it, never on the data that stopped it.
   */
  evidenceSince: IsoTime.nullable().default(null),
  updatedAt: IsoTime,
});
/** The live state of a flag's rollout ({@link RolloutStateSchema}). */
export type RolloutState = z.infer<typeof RolloutStateSchema>;

// ---------------------------------------------------------------------------------------------
// Stage gate
// ---------------------------------------------------------------------------------------------

/** The items of a stage gate's checklist, in display order. */
export const GateItemIdSchema = z.enum([
  'min-observation',
  'min-sample',
  'guardrails',
  'non-inferiority',
  'no-srm',
  'no-incident',
  'approvals',
  /** The next stage can be applied: its allow-list holds no template placeholder. */
  'next-stage-ready',
]);
/** Which gate checklist item ({@link GateItemIdSchema}). */
export type GateItemId = z.infer<typeof GateItemIdSchema>;

/**
 * A gate item's status. Only `pass` is green, and only with evidence. `waiting`: not failed, not
 * satisfied yet (time or sample still accruing, or no data in the stage yet); `missing`: what the
 * item needs is not set up (no guardrails or business metrics on a plan whose template requires
 * them, a business metric not defined, a placeholder in the next stage) — blocks advancing;
 * `n/a`: the item does not apply (e.g. no control cohort at 100 %, no approval required) — shown
 * neutral with the reason, never as a pass, and does not block; `fail`: the evidence says no.
 */
export const GateItemStatusSchema = z.enum(['pass', 'fail', 'waiting', 'missing', 'n/a']);
/** A gate item's status ({@link GateItemStatusSchema}). */
export type GateItemStatus = z.infer<typeof GateItemStatusSchema>;

/** One item of the gate checklist: its status and the evidence behind it. */
export const GateItemSchema = z.object({
  id: GateItemIdSchema,
  label: z.string(),
  status: GateItemStatusSchema,
  /** The numbers behind the status, in one sentence. */
  evidence: z.string(),
});
/** One item of the gate checklist ({@link GateItemSchema}). */
export type GateItem = z.infer<typeof GateItemSchema>;

/** The gate checklist of the current stage. `passed` only when every item is `pass` or `n/a`. */
export const GateEvaluationSchema = z.object({
  flag: FlagRefSchema,
  stageIndex: z.number().int(),
  passed: z.boolean(),
  items: z.array(GateItemSchema),
  /** When the observation time will have elapsed (ISO), or `null`. */
  observationEndsAt: IsoTime.nullable(),
  evaluatedAt: IsoTime,
});
/** The gate checklist of the current stage ({@link GateEvaluationSchema}). */
export type GateEvaluation = z.infer<typeof GateEvaluationSchema>;

/** What `rollout.get` returns for a flag. */
export const RolloutViewSchema = z.object({
  flag: FlagRefSchema,
  plan: RolloutPlanSchema.nullable(),
  state: RolloutStateSchema.nullable(),
  gate: GateEvaluationSchema.nullable(),
  guardrails: z.array(GuardrailStateSchema),
  /** Calendar of the remaining stages from the current one (ISO), from min observation times. */
  calendar: z.array(z.object({ stageIndex: z.number().int(), startsAt: IsoTime, endsAt: IsoTime })),
});
/** What `rollout.get` returns for a flag ({@link RolloutViewSchema}). */
export type RolloutView = z.infer<typeof RolloutViewSchema>;
