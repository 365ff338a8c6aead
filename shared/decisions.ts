/**
 * Schemas of the decision log and the action outbox (see docs/rollouts.md): what the monitor or an
 * operator decided, from what and why; the journaled actions those decisions send; and the
 * filters and export of `decisions.list` / `decisions.export`.
 *
 * Times are ISO 8601 strings. No `electron`, `node:` or DOM imports.
 */
import { z } from 'zod';
import { AuditStatusSchema, FlagLayersSchema, FlagRefSchema } from './domain.ts';
import { GuardrailStateSchema } from './guardrails.ts';
import { GateEvaluationSchema } from './rollout-state.ts';

const IsoTime = z.string().datetime({ offset: true });

/**
 * What a decision did. Rollout decisions: `start`, `advance`, `complete`, `hold` (stay at the
 * stage: gate not passed), `notify`, `pause`, `resume`, `rollback`, `approve`. Direct flag changes
 * (an operator in the app or CLI, or a change seen at the provider): `kill` (kill switch to Killed),
 * `restore` (Serving again with the layers from before the kill), `revert` (rollout %, threshold
 * and model from before their last change), `set` (any other layer change).
 */
export const DecisionActionSchema = z.enum([
  'start',
  'advance',
  'complete',
  'hold',
  'notify',
  'pause',
  'resume',
  'rollback',
  'approve',
  'kill',
  'restore',
  'revert',
  'set',
]);
/** What a decision did ({@link DecisionActionSchema}). */
export type DecisionAction = z.infer<typeof DecisionActionSchema>;

/** The outbox action states. `confirmed`: the provider (or webhook) confirmed it. */
export const OutboxStatusSchema = z.enum(['pending', 'sent', 'confirmed', 'failed']);
/** An outbox action state ({@link OutboxStatusSchema}). */
export type OutboxStatus = z.infer<typeof OutboxStatusSchema>;

/** One governance-log entry: what the monitor (or an operator) decided, from what, and why. */
export const DecisionRecordSchema = z.object({
  id: z.number().int(),
  at: IsoTime,
  flag: FlagRefSchema,
  /** Stage index and name at the time of the decision (−1 / `null` without a plan or before stage 0). */
  stageIndex: z.number().int(),
  stageName: z.string().nullable(),
  /** `monitor` or the operator's name. */
  actor: z.string(),
  action: DecisionActionSchema,
  /** The rule that fired, e.g. `guardrail:err-rate:consecutive-breaches`, `gate-passed:auto-advance`. */
  rule: z.string(),
  /** One sentence. */
  rationale: z.string(),
  inputs: z.object({
    /** Guardrail states (values, limits, intervals, sample sizes, config) at the decision. */
    guardrails: z.array(GuardrailStateSchema),
    gate: GateEvaluationSchema.nullable(),
    plan: z
      .object({ name: z.string(), stages: z.number().int(), targetPercent: z.number().nullable() })
      .nullable(),
    /**
     * A direct flag change: the layers read from the provider before it and the change asked for
     * (`patch`). The confirmed result is on the audit row ({@link DecisionRecordSchema} `audit`).
     */
    change: z
      .object({ before: FlagLayersSchema.nullable(), patch: z.record(z.string(), z.unknown()) })
      .optional(),
  }),
  /** The outbox action this decision enqueued, with its current status. */
  outbox: z.object({ id: z.number().int(), status: OutboxStatusSchema }).nullable(),
  /** The audit row of a direct flag change (sent at once, not through the outbox), with its status. */
  audit: z.object({ id: z.number().int(), status: AuditStatusSchema }).nullable().default(null),
});
/** One governance-log entry ({@link DecisionRecordSchema}). */
export type DecisionRecord = z.infer<typeof DecisionRecordSchema>;

/** What an outbox action does: a flag change at the provider, or a webhook call. */
export const OutboxKindSchema = z.enum(['flag-change', 'webhook']);

/** A journaled action: written before the provider call, done only when confirmed. */
export const OutboxActionSchema = z.object({
  id: z.number().int(),
  createdAt: IsoTime,
  flag: FlagRefSchema,
  kind: OutboxKindSchema,
  /** flag-change: `{patch, reason, action}`; webhook: `{body}`. */
  payload: z.record(z.string(), z.unknown()),
  idempotencyKey: z.string(),
  status: OutboxStatusSchema,
  attempts: z.number().int(),
  nextAttemptAt: IsoTime.nullable(),
  lastError: z.string().nullable(),
  decisionId: z.number().int().nullable(),
  /** The audit row of the provider call that was confirmed (or is being made), when there was one. */
  auditId: z.number().int().nullable(),
  confirmedAt: IsoTime.nullable(),
  /** The process (`host:pid:…`) that claimed it to send it, or null. */
  claimedBy: z.string().nullable().default(null),
});
/** A journaled action ({@link OutboxActionSchema}). */
export type OutboxAction = z.infer<typeof OutboxActionSchema>;

/** Filters of `decisions.list`: decision records newest first, at most `limit`. */
export const DecisionQuerySchema = z.object({
  flag: FlagRefSchema.optional(),
  since: z.string().datetime({ offset: true }).optional(),
  action: DecisionActionSchema.optional(),
  limit: z.number().int().min(1).max(10_000).default(500),
});

/** Filters and format of `decisions.export` (oldest first). */
export const DecisionExportQuerySchema = z.object({
  flag: FlagRefSchema.optional(),
  since: z.string().datetime({ offset: true }).optional(),
  action: DecisionActionSchema.optional(),
  format: z.enum(['json', 'csv']).default('json'),
});

/** The decision records as one JSON or CSV document for audit, with its file name and row count. */
export const DecisionExportSchema = z.object({
  format: z.enum(['json', 'csv']),
  filename: z.string(),
  content: z.string(),
  rows: z.number().int(),
});
