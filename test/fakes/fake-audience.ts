/**
 * Test fake of `flag.previewAudience` (renderer unit tests and the development-only `?mock` page,
 * renderer/dev-mock.ts). The bucket is the core's own for the local provider — Unleash's scheme
 * with the flag key as group id (`unleashBucket` / `unleashIncluded`,
 * electron/core/audience/unleash-bucket.ts) — and the cohort rules are the core's. The core's
 * `previewAudience` itself (electron/core/audience/preview.ts) cannot be imported here: it binds
 * every provider's scheme, and the LaunchDarkly one imports `node:crypto`, which the browser
 * bundle of the `?mock` page cannot load; so the loop over the keys stays this fake's.
 */
import {
  AudiencePreviewInputSchema,
  COHORTS,
  type AudiencePreview,
  type Assignment,
  type Cohort,
  type CohortReason,
  type KeyPreview,
} from '../../shared/audience.ts';
import type { FlagLayers, FleetRow } from '../../shared/domain.ts';
import { unleashBucket, unleashIncluded } from '../../electron/core/audience/unleash-bucket.ts';
import { applyPatch, diffLayers } from '../../electron/core/providers/provider.ts';

const cohortOf: Record<CohortReason, Cohort> = {
  'allow-listed': 'treatment',
  'in-rollout': 'treatment',
  'not-in-rollout': 'control',
  blocked: 'excluded',
  killed: 'excluded',
};

/** The local scheme's rollout membership: no rollout layer means on for every key. */
const inRollout = (l: FlagLayers, bucket: number): boolean =>
  l.rolloutPercent === null || unleashIncluded(bucket, l.rolloutPercent);

/** Fake `flag.previewAudience` for one fleet row (input validated with the contract's schema). */
export function mockPreviewAudience(row: FleetRow, rawInput: unknown): AudiencePreview {
  const input = AudiencePreviewInputSchema.parse(rawInput);
  const before = row.layers;
  const after = applyPatch(before, input.patch);
  const rb = before.rolloutPercent;
  const ra = after.rolloutPercent;
  const direction = rb === null || ra === null || rb === ra ? 0 : ra > rb ? 1 : -1;
  const reason = (l: FlagLayers, key: string, bucket: number): Assignment => {
    let r: CohortReason;
    if (!l.enabled) r = 'killed';
    else if (l.allowList.includes(key)) r = 'allow-listed';
    else if (l.blockList.includes(key)) r = 'blocked';
    else r = inRollout(l, bucket) ? 'in-rollout' : 'not-in-rollout';
    return { cohort: cohortOf[r], reason: r };
  };
  const zero = () => ({ treatment: 0, control: 0, excluded: 0 });
  const zeroR = () => ({ 'allow-listed': 0, 'in-rollout': 0, 'not-in-rollout': 0, blocked: 0, killed: 0 });
  const cohorts = { before: zero(), after: zero() };
  const reasons = { before: zeroR(), after: zeroR() };
  const pairs = new Map<string, number>();
  const seen = new Set<string>();
  const rows: KeyPreview[] = [];
  const dups: string[] = [];
  let violations = 0;
  for (const key of input.keys) {
    if (seen.has(key)) {
      dups.push(key);
      continue;
    }
    seen.add(key);
    const bucket = unleashBucket(row.key, key);
    const rIn = inRollout(before, bucket);
    const rOut = inRollout(after, bucket);
    if ((direction > 0 && rIn && !rOut) || (direction < 0 && !rIn && rOut)) violations++;
    const b = reason(before, key, bucket);
    const a = reason(after, key, bucket);
    cohorts.before[b.cohort]++;
    cohorts.after[a.cohort]++;
    reasons.before[b.reason]++;
    reasons.after[a.reason]++;
    pairs.set(`${b.cohort}>${a.cohort}`, (pairs.get(`${b.cohort}>${a.cohort}`) ?? 0) + 1);
    rows.push({ key, bucket, before: b, after: a });
  }
  const entering = rows.filter((r) => r.before.cohort !== 'treatment' && r.after.cohort === 'treatment');
  const leaving = rows.filter((r) => r.before.cohort === 'treatment' && r.after.cohort !== 'treatment');
  const staying = rows.filter(
    (r) => r.before.cohort === 'treatment' && r.after.cohort === 'treatment',
  ).length;
  const n = input.sampleSize;
  return {
    ref: { provider: row.provider, environment: row.environment, key: row.key },
    scheme: 'local',
    bucketing: { scheme: 'local', groupId: row.key },
    before,
    after,
    treatmentChanges: diffLayers(before, after).filter(
      (c) => c.layer === 'confidenceThreshold' || c.layer === 'modelVersion',
    ),
    keys: {
      given: input.keys.length,
      unique: seen.size,
      duplicates: dups.length,
      duplicateSample: dups.slice(0, n),
    },
    totals: {
      entering: entering.length,
      leaving: leaving.length,
      staying,
      outside: rows.length - entering.length - leaving.length - staying,
    },
    cohorts,
    reasons,
    transitions: COHORTS.flatMap((from) =>
      COHORTS.map((to) => ({ from, to, count: pairs.get(`${from}>${to}`) ?? 0 })),
    ),
    monotonic: direction === 0 ? null : violations === 0,
    monotonicViolations: violations,
    entering: entering.slice(0, n),
    leaving: leaving.slice(0, n),
    sample: rows.slice(0, n),
    notes: [
      `Test fake: the core's local bucketing (Unleash's scheme, group id "${row.key}"), computed in the page.`,
    ],
    elapsedMs: 0,
  };
}
