/**
 * The audience preview of the mock API (store unit tests and the development-only
 * `?mock` page). Same cohort rules and result shape as the core, but the bucket
 * is a stand-in (FNV-1a of `"{flagKey}:{key}"` % 100 + 1), not a provider's
 * hash: plausible, not a reference implementation — the real bucketing lives in
 * electron/core/audience/ and runs in the core only.
 */
import {
  AudiencePreviewInputSchema,
  COHORTS,
  type AudiencePreview,
  type Assignment,
  type Cohort,
  type CohortReason,
  type KeyPreview,
} from '../../../shared/audience.ts';
import type { FleetRow } from '../../../shared/domain.ts';

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const cohortOf: Record<CohortReason, Cohort> = {
  'allow-listed': 'treatment',
  'in-rollout': 'treatment',
  'not-in-rollout': 'control',
  blocked: 'excluded',
  killed: 'excluded',
};

/** Mock `flag.previewAudience` for one fleet row (input validated with the contract's schema). */
export function mockPreviewAudience(row: FleetRow, rawInput: unknown): AudiencePreview {
  const input = AudiencePreviewInputSchema.parse(rawInput);
  const before = row.layers;
  const after = { ...before, ...input.patch };
  const reason = (l: typeof before, key: string, bucket: number): Assignment => {
    let r: CohortReason;
    if (!l.enabled) r = 'killed';
    else if (l.allowList.includes(key)) r = 'allow-listed';
    else if (l.blockList.includes(key)) r = 'blocked';
    else r = l.rolloutPercent === null || bucket <= l.rolloutPercent ? 'in-rollout' : 'not-in-rollout';
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
  for (const key of input.keys) {
    if (seen.has(key)) {
      dups.push(key);
      continue;
    }
    seen.add(key);
    const bucket = (fnv1a(`${row.key}:${key}`) % 100) + 1;
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
  const rb = before.rolloutPercent;
  const ra = after.rolloutPercent;
  const n = input.sampleSize;
  return {
    ref: { provider: row.provider, environment: row.environment, key: row.key },
    scheme: 'local',
    bucketing: { scheme: 'local', groupId: row.key },
    before,
    after,
    treatmentChanges: [],
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
    monotonic: rb === null || ra === null || rb === ra ? null : true,
    monotonicViolations: 0,
    entering: entering.slice(0, n),
    leaving: leaving.slice(0, n),
    sample: rows.slice(0, n),
    notes: ['Mock API: stand-in bucketing, not a provider hash.'],
    elapsedMs: 0,
  };
}
