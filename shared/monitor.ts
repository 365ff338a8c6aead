/**
 * Schemas of the rollout monitor (see docs/rollouts.md): one evaluation's summary, the monitor's
 * schedule and health (`monitor.status`), and the notifications it pushes to windows and the
 * webhook.
 *
 * Times are ISO 8601 strings, durations ms. No `electron`, `node:` or DOM imports.
 */
import { z } from 'zod';
import { FlagRefSchema } from './domain.ts';
import { DecisionRecordSchema } from './decisions.ts';

const IsoTime = z.string().datetime({ offset: true });

/** One monitor evaluation's summary. */
export const MonitorRunSchema = z.object({
  at: IsoTime,
  flags: z.number().int(),
  guardrails: z.number().int(),
  decisions: z.array(DecisionRecordSchema),
  durationMs: z.number(),
});
/** One monitor evaluation's summary ({@link MonitorRunSchema}). */
export type MonitorRun = z.infer<typeof MonitorRunSchema>;

/** Notification pushed to windows (banner, Electron Notification) and the webhook. */
export const NotifySchema = z.object({
  title: z.string(),
  body: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  flag: FlagRefSchema.nullable(),
});
/** A notification pushed to windows and the webhook ({@link NotifySchema}). */
export type Notify = z.infer<typeof NotifySchema>;

/** Whether the monitor runs, its interval, last run and the outbox backlog (`monitor.status`). */
export const MonitorStatusSchema = z.object({
  /** This process's monitor schedule runs (it holds the monitor lease). */
  running: z.boolean(),
  intervalMs: z.number().int(),
  /** When the last evaluation started (ISO), or null. */
  lastRunAt: z.string().nullable(),
  lastDurationMs: z.number().nullable(),
  lastError: z.string().nullable(),
  /** When an evaluation last completed without error / last failed (ISO), or null. */
  lastSuccessAt: z.string().nullable(),
  lastFailureAt: z.string().nullable(),
  /** Failed evaluations in a row (0 after a success). */
  consecutiveFailures: z.number().int(),
  /** This process holds the monitor lease of the data folder (one monitor per folder). */
  leader: z.boolean(),
  /** The process holding the monitor lease (`host:pid:…`), or null when none does. */
  monitorProcess: z.string().nullable(),
  pendingActions: z.number().int(),
});
