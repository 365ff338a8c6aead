/**
 * Schemas of the exact audience preview (`flag.previewAudience`): for a list of
 * targeting keys and a proposed {@link LayerPatch}, who enters the treatment,
 * who leaves it and who stays — computed with the provider's own bucketing
 * (see ./bucketing.ts and docs/audience-preview.md).
 *
 * Cohorts:
 * - `treatment`: gets the treatment (reason `allow-listed` or `in-rollout`);
 * - `control`: evaluated by the flag but outside the rollout (`not-in-rollout`) — gets the fallback;
 * - `excluded`: not part of the rollout at all (`blocked`, or `killed` when the kill switch is off).
 */
import { z } from 'zod';
import { BucketingSchema } from './bucketing.ts';
import { FlagLayersSchema, FlagRefSchema, LayerChangeSchema, LayerPatchSchema } from './domain.ts';

/** Most keys one preview accepts. */
export const AUDIENCE_MAX_KEYS = 1_000_000;
/** Longest targeting key accepted, characters. */
export const AUDIENCE_MAX_KEY_LENGTH = 4096;
/** Default number of keys in each sample of the result (entering, leaving, first keys). */
export const AUDIENCE_DEFAULT_SAMPLE = 1000;
/** How many bad keys are named before the rest are only counted. */
const MAX_NAMED_BAD_KEYS = 5;

/** The cohort a key lands in under one state of the flag (see the module docs). */
export const CohortSchema = z.enum(['treatment', 'control', 'excluded']);
/** A cohort (see {@link CohortSchema}). */
export type Cohort = z.infer<typeof CohortSchema>;
/** Every cohort: `treatment`, `control`, `excluded`. */
export const COHORTS: readonly Cohort[] = CohortSchema.options;

/**
 * Why a key is in its cohort: `allow-listed` / `in-rollout` (treatment), `not-in-rollout` (control),
 * `blocked` / `killed` (excluded).
 */
export const CohortReasonSchema = z.enum([
  'allow-listed',
  'in-rollout',
  'not-in-rollout',
  'blocked',
  'killed',
]);
/** A cohort reason (see {@link CohortReasonSchema}). */
export type CohortReason = z.infer<typeof CohortReasonSchema>;
/** Every cohort reason, in the order of {@link CohortReasonSchema}. */
export const COHORT_REASONS: readonly CohortReason[] = CohortReasonSchema.options;

/** Where one key lands under one state of the flag. */
export const AssignmentSchema = z.object({ cohort: CohortSchema, reason: CohortReasonSchema });
/** Where one key lands under one state of the flag (see {@link AssignmentSchema}). */
export type Assignment = z.infer<typeof AssignmentSchema>;

/**
 * One key before and after the change. `bucket` is the scheme's raw bucket:
 * LaunchDarkly a fraction in [0, 1); Unleash and local an integer 1–100.
 */
export const KeyPreviewSchema = z.object({
  key: z.string(),
  bucket: z.number(),
  before: AssignmentSchema,
  after: AssignmentSchema,
});
/** One key before and after the change (see {@link KeyPreviewSchema}). */
export type KeyPreview = z.infer<typeof KeyPreviewSchema>;

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * The targeting keys: 1–1,000,000 non-empty strings. Checked in one pass that
 * names the first few bad entries (`keys.3: key must be a string, got a number`)
 * and counts the rest, so a million bad keys give a short message.
 */
export const AudienceKeysSchema = z
  .array(z.unknown(), { error: 'keys must be a list of targeting keys (strings)' })
  .min(1, 'the key list is empty: give at least one targeting key')
  .max(AUDIENCE_MAX_KEYS, `too many keys: at most ${AUDIENCE_MAX_KEYS.toLocaleString('en')} per preview`)
  .superRefine((keys, ctx) => {
    let bad = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      let message: string | null = null;
      if (typeof k !== 'string') message = `key must be a string, got ${describeType(k)}`;
      else if (k.length === 0) message = 'key must not be empty';
      else if (k.length > AUDIENCE_MAX_KEY_LENGTH)
        message = `key is longer than ${AUDIENCE_MAX_KEY_LENGTH} characters`;
      if (message === null) continue;
      if (bad < MAX_NAMED_BAD_KEYS) ctx.addIssue({ code: 'custom', path: [i], message });
      bad++;
    }
    if (bad > MAX_NAMED_BAD_KEYS)
      ctx.addIssue({ code: 'custom', message: `${bad - MAX_NAMED_BAD_KEYS} more bad keys not listed` });
  })
  .transform((keys) => keys as string[]);

/**
 * Input of `flag.previewAudience`: the flag, the proposed {@link LayerPatch}, the targeting keys
 * ({@link AudienceKeysSchema}) and how many keys each sample of the result keeps (0–10,000; default
 * {@link AUDIENCE_DEFAULT_SAMPLE}).
 */
export const AudiencePreviewInputSchema = z.object({
  ref: FlagRefSchema,
  patch: LayerPatchSchema,
  keys: AudienceKeysSchema,
  /** Keys kept in each sample of the result (entering, leaving, first keys); 0–10,000. */
  sampleSize: z.number().int().min(0).max(10_000).default(AUDIENCE_DEFAULT_SAMPLE),
});
/**
 * Input of `flag.previewAudience` as a caller writes it: `sampleSize` may be left out
 * (see {@link AudiencePreviewInputSchema}).
 */
export type AudiencePreviewInput = z.input<typeof AudiencePreviewInputSchema>;

const Count = z.number().int().min(0);
const CohortCountsSchema = z.object({ treatment: Count, control: Count, excluded: Count });
/** Unique keys per cohort. */
export type CohortCounts = z.infer<typeof CohortCountsSchema>;
const ReasonCountsSchema = z.object({
  'allow-listed': Count,
  'in-rollout': Count,
  'not-in-rollout': Count,
  blocked: Count,
  killed: Count,
});
/** Unique keys per cohort reason. */
export type ReasonCounts = z.infer<typeof ReasonCountsSchema>;

/** The result of an audience preview. Counts are over unique keys. */
export const AudiencePreviewSchema = z.object({
  ref: FlagRefSchema,
  scheme: z.enum(['launchdarkly', 'unleash', 'local']),
  /** The bucketing descriptor used (from the flag's `native.bucketing`). */
  bucketing: BucketingSchema,
  before: FlagLayersSchema,
  after: FlagLayersSchema,
  /** Layer changes that move nobody: they change what treatment users get (threshold, model version). */
  treatmentChanges: z.array(LayerChangeSchema),
  keys: z.object({
    /** Keys as given. */
    given: Count,
    unique: Count,
    /** Repeats of an earlier key (`given - unique`); counted once. */
    duplicates: Count,
    /** The first repeated keys (up to the sample size). */
    duplicateSample: z.array(z.string()),
  }),
  /** Keys moving into / out of the treatment, staying in it, and staying outside it. */
  totals: z.object({ entering: Count, leaving: Count, staying: Count, outside: Count }),
  cohorts: z.object({ before: CohortCountsSchema, after: CohortCountsSchema }),
  reasons: z.object({ before: ReasonCountsSchema, after: ReasonCountsSchema }),
  /** Unique keys per (before cohort → after cohort), all nine pairs. */
  transitions: z.array(z.object({ from: CohortSchema, to: CohortSchema, count: Count })),
  /**
   * Computed, not assumed: when the rollout grows, `true` iff no key inside the
   * rollout before is outside it after (and the reverse when it shrinks). Judged
   * on the rollout bucketing alone (lists and kill switch aside). `null` when the
   * rollout does not change.
   */
  monotonic: z.boolean().nullable(),
  /** Keys breaking {@link monotonic} (0 when it holds or does not apply). */
  monotonicViolations: Count,
  /** Keys entering the treatment (first `sampleSize`, in input order). */
  entering: z.array(KeyPreviewSchema),
  /** Keys leaving the treatment (first `sampleSize`, in input order). */
  leaving: z.array(KeyPreviewSchema),
  /** The first `sampleSize` unique keys, whatever happens to them. */
  sample: z.array(KeyPreviewSchema),
  /** What the preview assumes or cannot see (stickiness field, rules, rounding…). */
  notes: z.array(z.string()),
  /** Time the core spent computing, ms. */
  elapsedMs: z.number().min(0),
});
/** The result of an audience preview (see {@link AudiencePreviewSchema}). */
export type AudiencePreview = z.infer<typeof AudiencePreviewSchema>;

/** Parses a whole CSV text into rows of fields (header included), e.g. csv-parse's sync `parse`. */
export type CsvRowsParser = (text: string) => string[][];

/** A key list that cannot be read (e.g. a CSV without a `key` column). */
export class KeyListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyListError';
  }
}

/**
 * Reads targeting keys from pasted text or a file: one key per line, or a CSV
 * whose header has a `key` column (case-insensitive). The text is CSV when its
 * first non-blank line contains a comma or a double quote, or is `key` alone.
 * Lines and fields are trimmed; blank ones are skipped. Order and repeats are
 * kept (the preview reports repeats).
 * @throws KeyListError for a CSV without a `key` column (naming its columns).
 */
export function parseKeyList(
  text: string,
  parseCsv: CsvRowsParser,
): { keys: string[]; format: 'lines' | 'csv' } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const firstLine = /^[^\S\r\n]*\S[^\r\n]*/m.exec(body)?.[0].trim() ?? '';
  if (!/[",]/.test(firstLine) && firstLine.toLowerCase() !== 'key') {
    const keys: string[] = [];
    for (const line of body.split(/\r?\n/)) {
      const k = line.trim();
      if (k) keys.push(k);
    }
    return { keys, format: 'lines' };
  }
  const rows = parseCsv(body);
  const header = (rows[0] ?? []).map((h) => h.trim());
  const col = header.findIndex((h) => h.toLowerCase() === 'key');
  if (col < 0)
    throw new KeyListError(
      `the CSV has no "key" column (its columns: ${header.map((h) => JSON.stringify(h)).join(', ') || 'none'})`,
    );
  const keys: string[] = [];
  for (let i = 1; i < rows.length; i++) {
    const k = rows[i]?.[col]?.trim();
    if (k) keys.push(k);
  }
  return { keys, format: 'csv' };
}
