/**
 * Shapes of the LaunchDarkly REST API v2 (`LD-API-Version: 20240415`) that the
 * LaunchDarkly provider reads and writes.
 *
 * Only the fields used here; LaunchDarkly sends more. Source: the models
 * generated from the public OpenAPI spec (`launchdarkly/ld-openapi`), as
 * published in `launchdarkly/api-client-typescript` `docs/`: `FeatureFlag.md`,
 * `FeatureFlagConfig.md`, `FeatureFlags.md`, `Variation.md`, `Rollout.md`,
 * `WeightedVariation.md`, `VariationOrRolloutRep.md`, `Target.md`, `Rule.md`,
 * `Clause.md`, `Prerequisite.md`, `AuditLogEntryListingRep.md`,
 * `AuditLogEntryRep.md`, `AuditLogEntryListingRepCollection.md`, `Link.md`,
 * and the error reps (`{code, message}`).
 */

/** A link in `_links` / `_site`: `href` is a path on the API host (or an absolute URL). */
export interface LdLink {
  href?: string;
  type?: string;
}

/** A flag variation; flag-level (shared by every environment). `_id` is what semantic patch instructions name. */
export interface LdVariation {
  _id: string;
  value: unknown;
  name?: string;
  description?: string;
}

/** A variation index and its weight in thousandths of a percent (0–100000). */
export interface LdWeightedVariation {
  variation: number;
  weight: number;
  _untracked?: boolean;
}

/** A percentage rollout. `seed` replaces `"{flagKey}.{salt}"` in the bucketing hash input when set. */
export interface LdRollout {
  variations: LdWeightedVariation[];
  seed?: number | null;
  bucketBy?: string;
  contextKind?: string;
  experimentAllocation?: unknown;
}

/** What a rule or the fallthrough serves: one variation index, or a rollout. */
export interface LdVariationOrRollout {
  variation?: number;
  rollout?: LdRollout;
}

/** Individual targets: context keys served variation `variation` (an index). `targets` are user-kind. */
export interface LdTarget {
  values: string[];
  variation: number;
  contextKind?: string;
}

/** A rule clause (`Clause`): `attribute` `op` `values` of a context kind, inverted by `negate`. */
export interface LdClause {
  _id?: string;
  attribute: string;
  op: string;
  values: unknown[];
  contextKind?: string;
  negate: boolean;
}

/** A targeting rule (`Rule`): its clauses and what it serves — a variation index or a rollout. */
export interface LdRule {
  _id?: string;
  disabled?: boolean;
  variation?: number;
  rollout?: LdRollout;
  clauses: LdClause[];
  trackEvents?: boolean;
  description?: string;
  ref?: string;
}

/** A prerequisite (`Prerequisite`): flag `key` must serve the variation at index `variation`. */
export interface LdPrerequisite {
  key: string;
  variation: number;
}

/** A flag's configuration in one environment (`FeatureFlagConfig`). */
export interface LdFlagConfig {
  on: boolean;
  archived?: boolean;
  salt: string;
  sel?: string;
  /** Epoch ms. */
  lastModified?: number;
  /** Per-environment version, incremented by every change. */
  version: number;
  targets?: LdTarget[];
  contextTargets?: LdTarget[];
  rules?: LdRule[];
  fallthrough?: LdVariationOrRollout;
  offVariation?: number;
  prerequisites?: LdPrerequisite[];
  _site?: LdLink;
  _environmentName?: string;
  trackEvents?: boolean;
  trackEventsFallthrough?: boolean;
}

/** A feature flag (`FeatureFlag`); `environments` only when the request names `env`. */
export interface LdFlag {
  key: string;
  name: string;
  kind: string;
  description?: string;
  /** Flag-level version (variations, name…). */
  _version: number;
  creationDate?: number;
  variations: LdVariation[];
  temporary?: boolean;
  tags?: string[];
  archived?: boolean;
  deprecated?: boolean;
  _links?: Record<string, LdLink>;
  environments?: Record<string, LdFlagConfig>;
}

/** `GET /api/v2/flags/{projectKey}` → a page of flags; `_links.next` is absent on the last page. */
export interface LdFlagCollection {
  items: LdFlag[];
  _links: Record<string, LdLink>;
  totalCount?: number;
}

/** `member` of an audit log entry. */
export interface LdMemberData {
  _id?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
}

/** An audit log entry as listed (`AuditLogEntryListingRep`); `date` is epoch ms. */
export interface LdAuditEntryListing {
  _id: string;
  _accountId?: string;
  date: number;
  /** e.g. `{action: 'updateOn', resource: 'proj/default:env/production:flag/my-flag'}`. */
  accesses: { action?: string; resource?: string }[];
  kind: string;
  name: string;
  description: string;
  shortDescription: string;
  comment?: string;
  member?: LdMemberData;
  token?: { _id?: string; name?: string; ending?: string; serviceToken?: boolean };
  titleVerb?: string;
  title?: string;
  target?: { name?: string; resources?: string[] };
  _links?: Record<string, LdLink>;
}

/** `GET /api/v2/auditlog/{id}`: the listing plus the flag before and after (`LdFlag` with all environments). */
export interface LdAuditEntry extends LdAuditEntryListing {
  previousVersion?: unknown;
  currentVersion?: unknown;
  /** JSON patch of the change; `null` for semantic-patch changes. */
  delta?: unknown;
}

/** `GET /api/v2/auditlog` → newest first, at most `limit` (1–20) entries. */
export interface LdAuditCollection {
  items: LdAuditEntryListing[];
  _links?: Record<string, LdLink>;
}

/** One semantic patch instruction, e.g. `{kind: 'turnFlagOff'}`. */
export interface LdInstruction {
  kind: string;
  [field: string]: unknown;
}

/** The body of a semantic patch (`Content-Type: application/json; domain-model=launchdarkly.semanticpatch`). */
export interface LdSemanticPatch {
  environmentKey: string;
  comment: string;
  instructions: LdInstruction[];
}
