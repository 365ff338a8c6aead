/**
 * The exact audience preview: for a flag's current layers, a proposed patch and
 * a list of targeting keys, where each key lands before and after, with the
 * provider's own bucketing (./scheme.ts). Pure apart from hashing; one pass over
 * the keys, each hashed once (the bucket does not depend on the rollout %).
 *
 * Cohort of a key under one state (same order for every scheme):
 * 1. kill switch off → `excluded` / `killed` (LaunchDarkly serves the off
 *    variation, Unleash turns the environment off — lists included);
 * 2. in the allow list → `treatment` / `allow-listed` (Unleash: the allow-list
 *    strategy is OR-ed with the main one, so it beats the block list);
 * 3. in the block list → `excluded` / `blocked`;
 * 4. bucket inside the rollout → `treatment` / `in-rollout`, else `control` / `not-in-rollout`.
 */
import type {
  AudiencePreview,
  Assignment,
  Cohort,
  CohortReason,
  KeyPreview,
} from '../../../shared/audience.ts';
import { COHORTS } from '../../../shared/audience.ts';
import type { Bucketing } from '../../../shared/bucketing.ts';
import type { FlagLayers, FlagRef, LayerPatch } from '../../../shared/domain.ts';
import { applyPatch, diffLayers } from '../providers/provider.ts';
import { KeySet } from './key-set.ts';
import { bindScheme } from './scheme.ts';

/** Input of {@link previewAudience}. */
export interface AudiencePreviewParams {
  ref: FlagRef;
  bucketing: Bucketing;
  /** The flag's current layers. */
  before: FlagLayers;
  patch: LayerPatch;
  /** Targeting keys (non-empty strings, validated by the contract); repeats are counted once. */
  keys: readonly string[];
  /** Keys kept in each sample (entering, leaving, first keys). */
  sampleSize: number;
}

const ASSIGNMENTS: Record<CohortReason, Assignment> = {
  killed: { cohort: 'excluded', reason: 'killed' },
  'allow-listed': { cohort: 'treatment', reason: 'allow-listed' },
  blocked: { cohort: 'excluded', reason: 'blocked' },
  'in-rollout': { cohort: 'treatment', reason: 'in-rollout' },
  'not-in-rollout': { cohort: 'control', reason: 'not-in-rollout' },
};

/** Where a key lands under `layers`, given whether its bucket is inside the rollout. */
export function assign(
  layers: Pick<FlagLayers, 'enabled'>,
  allow: ReadonlySet<string>,
  block: ReadonlySet<string>,
  key: string,
  inRollout: boolean,
): Assignment {
  if (!layers.enabled) return ASSIGNMENTS.killed;
  if (allow.has(key)) return ASSIGNMENTS['allow-listed'];
  if (block.has(key)) return ASSIGNMENTS.blocked;
  return inRollout ? ASSIGNMENTS['in-rollout'] : ASSIGNMENTS['not-in-rollout'];
}

const zeroCohorts = (): Record<Cohort, number> => ({ treatment: 0, control: 0, excluded: 0 });
const zeroReasons = (): Record<CohortReason, number> => ({
  'allow-listed': 0,
  'in-rollout': 0,
  'not-in-rollout': 0,
  blocked: 0,
  killed: 0,
});
const COHORT_INDEX: Record<Cohort, number> = { treatment: 0, control: 1, excluded: 2 };

const fmt = (v: unknown): string =>
  v === null ? 'none' : typeof v === 'number' ? String(v) : JSON.stringify(v);

/**
 * Computes the preview. Counts are over unique keys; samples keep input order.
 * @throws CoreError UNSUPPORTED when the scheme cannot bucket this flag (random
 *   stickiness, a LaunchDarkly flag with no rollout at all).
 */
export function previewAudience(p: AudiencePreviewParams): AudiencePreview {
  const started = performance.now();
  const scheme = bindScheme(p.bucketing, p.ref.key);
  const before = p.before;
  const after = applyPatch(before, p.patch);
  const rolloutChanged = before.rolloutPercent !== after.rolloutPercent;
  const inBefore = scheme.inRollout(before, false);
  const inAfter = scheme.inRollout(after, rolloutChanged);
  const allowBefore = new Set(before.allowList);
  const blockBefore = new Set(before.blockList);
  const allowAfter = new Set(after.allowList);
  const blockAfter = new Set(after.blockList);
  const rb = before.rolloutPercent;
  const ra = after.rolloutPercent;
  const direction = rb === null || ra === null || rb === ra ? 0 : ra > rb ? 1 : -1;

  const cohortsBefore = zeroCohorts();
  const cohortsAfter = zeroCohorts();
  const reasonsBefore = zeroReasons();
  const reasonsAfter = zeroReasons();
  const transitions = new Array<number>(9).fill(0);
  const entering: KeyPreview[] = [];
  const leaving: KeyPreview[] = [];
  const sample: KeyPreview[] = [];
  const duplicateSample: string[] = [];
  const limit = p.sampleSize;
  let violations = 0;
  let duplicates = 0;
  const seen = new KeySet(p.keys);

  for (let i = 0; i < p.keys.length; i++) {
    const key = p.keys[i]!;
    if (!seen.add(i)) {
      duplicates++;
      if (duplicateSample.length < limit) duplicateSample.push(key);
      continue;
    }
    const bucket = scheme.bucket(key);
    const rIn = inBefore(bucket);
    const rOut = inAfter(bucket);
    if ((direction > 0 && rIn && !rOut) || (direction < 0 && !rIn && rOut)) violations++;
    const b = assign(before, allowBefore, blockBefore, key, rIn);
    const a = assign(after, allowAfter, blockAfter, key, rOut);
    cohortsBefore[b.cohort]++;
    cohortsAfter[a.cohort]++;
    reasonsBefore[b.reason]++;
    reasonsAfter[a.reason]++;
    transitions[COHORT_INDEX[b.cohort] * 3 + COHORT_INDEX[a.cohort]]!++;
    const wasT = b.cohort === 'treatment';
    const isT = a.cohort === 'treatment';
    if (sample.length < limit) sample.push({ key, bucket, before: b, after: a });
    if (!wasT && isT && entering.length < limit) entering.push({ key, bucket, before: b, after: a });
    if (wasT && !isT && leaving.length < limit) leaving.push({ key, bucket, before: b, after: a });
  }

  const t = (from: Cohort, to: Cohort): number => transitions[COHORT_INDEX[from] * 3 + COHORT_INDEX[to]]!;
  const totals = {
    entering: t('control', 'treatment') + t('excluded', 'treatment'),
    leaving: t('treatment', 'control') + t('treatment', 'excluded'),
    staying: t('treatment', 'treatment'),
    outside:
      t('control', 'control') +
      t('control', 'excluded') +
      t('excluded', 'control') +
      t('excluded', 'excluded'),
  };

  const changes = diffLayers(before, after);
  const treatmentChanges = changes.filter(
    (c) => c.layer === 'confidenceThreshold' || c.layer === 'modelVersion',
  );
  const notes = [...scheme.notes];
  if (treatmentChanges.length)
    notes.push(
      `${treatmentChanges.map((c) => `${c.layer} ${fmt(c.before)} → ${fmt(c.after)}`).join(' and ')} move nobody between cohorts: ` +
        `they change what the ${cohortsAfter.treatment.toLocaleString('en')} treatment keys get.`,
    );
  if (changes.length === treatmentChanges.length)
    notes.push('This change sets no kill switch, rollout or list: nobody moves.');
  if (direction !== 0)
    notes.push(
      violations === 0
        ? `Rollout ${fmt(rb)}% → ${fmt(ra)}%: ${direction > 0 ? 'only adds keys' : 'only removes keys'} (checked on every key).`
        : `Rollout ${fmt(rb)}% → ${fmt(ra)}%: ${violations} keys move against the change — the bucketing is not monotonic here.`,
    );

  return {
    ref: { provider: p.ref.provider, environment: p.ref.environment, key: p.ref.key },
    scheme: p.bucketing.scheme,
    bucketing: p.bucketing,
    before,
    after,
    treatmentChanges,
    keys: { given: p.keys.length, unique: seen.size, duplicates, duplicateSample },
    totals,
    cohorts: { before: cohortsBefore, after: cohortsAfter },
    reasons: { before: reasonsBefore, after: reasonsAfter },
    transitions: COHORTS.flatMap((from) => COHORTS.map((to) => ({ from, to, count: t(from, to) }))),
    monotonic: direction === 0 ? null : violations === 0,
    monotonicViolations: violations,
    entering,
    leaving,
    sample,
    notes,
    elapsedMs: performance.now() - started,
  };
}
