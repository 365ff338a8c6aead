/** The documented, stable JSON shape of a flag in `rcr flags list --json` and `rcr flag show --json`. */
import type { FleetRow } from '../../shared/domain.ts';

/** One flag as the CLI prints it. */
export interface FlagJson {
  provider: string;
  providerKind: string;
  environment: string;
  key: string;
  name: string;
  kind: string;
  /** false means killed / off. */
  enabled: boolean;
  /** 0–100, or null when the flag has no rollout. */
  rolloutPercent: number | null;
  /** 0–1, or null. */
  confidenceThreshold: number | null;
  modelVersion: string | null;
  allowList: string[];
  blockList: string[];
  /** True when this is cached state the provider could not confirm recently. */
  stale: boolean;
  /** Last change at the provider, or when it was last read if unknown (ISO 8601). */
  updatedAt: string;
  /** When the state was read from the provider (ISO 8601). */
  syncedAt: string;
  /** Newest rollout-history entry (ISO 8601) or null. */
  lastChangeAt: string | null;
}

/** Maps a fleet row to {@link FlagJson}. */
export function toFlagJson(r: FleetRow): FlagJson {
  return {
    provider: r.provider,
    providerKind: r.providerKind,
    environment: r.environment,
    key: r.key,
    name: r.name,
    kind: r.kind,
    enabled: r.layers.enabled,
    rolloutPercent: r.layers.rolloutPercent,
    confidenceThreshold: r.layers.confidenceThreshold,
    modelVersion: r.layers.modelVersion,
    allowList: r.layers.allowList,
    blockList: r.layers.blockList,
    stale: r.stale,
    updatedAt:
      r.lastChangeAt && (!r.updatedAt || r.lastChangeAt > r.updatedAt)
        ? r.lastChangeAt
        : (r.updatedAt ?? r.syncedAt),
    syncedAt: r.syncedAt,
    lastChangeAt: r.lastChangeAt,
  };
}
