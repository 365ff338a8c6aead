/**
 * Shapes of the Unleash Admin API (v8) that the Unleash provider reads and writes.
 *
 * Only the fields used here; Unleash sends more. Sources (Unleash/unleash):
 * `src/lib/openapi/spec/feature-schema.ts`, `feature-environment-schema.ts`,
 * `feature-strategy-schema.ts`, `create-feature-strategy-schema.ts`,
 * `create-strategy-variant-schema.ts`, `constraint-schema.ts`, `event-schema.ts`,
 * `event-search-response-schema.ts`.
 */

/** A strategy constraint, e.g. `{contextName:'userId', operator:'IN', values:['u1']}`. */
export interface UnleashConstraint {
  contextName: string;
  operator: string;
  values?: string[];
  value?: string;
  inverted?: boolean;
  caseInsensitive?: boolean;
}

/** A strategy variant; `weight` is 0–1000 (per mille), `payload.value` is a string (JSON text for `json`). */
export interface UnleashVariant {
  name: string;
  weight?: number;
  weightType?: 'variable' | 'fix' | string;
  stickiness?: string;
  payload?: { type: string; value: string };
}

/** A feature strategy in one environment. `parameters` values are strings (`rollout: "25"`). */
export interface UnleashStrategy {
  id: string;
  name: string;
  title?: string | null;
  disabled?: boolean | null;
  sortOrder?: number;
  constraints?: UnleashConstraint[];
  parameters?: Record<string, string>;
  segments?: number[];
  variants?: UnleashVariant[];
}

/** One environment of a feature (`GET …/features/{name}` → `environments[]`). */
export interface UnleashFeatureEnvironment {
  name: string;
  enabled: boolean;
  type?: string;
  sortOrder?: number;
  strategies?: UnleashStrategy[];
  hasStrategies?: boolean;
  lastSeenAt?: string | null;
}

/** A feature as `GET /api/admin/projects/{p}/features/{name}` returns it. */
export interface UnleashFeature {
  name: string;
  type?: string;
  description?: string | null;
  project?: string;
  createdAt?: string | null;
  archived?: boolean;
  stale?: boolean;
  environments: UnleashFeatureEnvironment[];
}

/** `GET /api/admin/projects/{p}/features` → `{features}`; environments carry no strategies here. */
export interface UnleashFeatureList {
  features: UnleashFeature[];
}

/** An event from `GET /api/admin/search/events` (newest first). */
export interface UnleashEvent {
  id: number;
  type: string;
  createdAt: string;
  createdBy?: string | null;
  featureName?: string | null;
  project?: string | null;
  environment?: string | null;
  data?: unknown;
  preData?: unknown;
}

/** `GET /api/admin/search/events` response. */
export interface UnleashEventPage {
  events: UnleashEvent[];
  total: number;
}

/** Strategy body accepted by `POST …/strategies` and `PUT …/strategies/{id}` (no `id`). */
export interface UnleashStrategyBody {
  name: string;
  title?: string | null;
  disabled?: boolean | null;
  sortOrder?: number;
  constraints: UnleashConstraint[];
  parameters: Record<string, string>;
  segments?: number[];
  variants: UnleashVariant[];
}
