/**
 * SQLite storage (schema v4, v6) of rollout plans, rollout states, guardrails and the guardrails'
 * last evaluations (incidents: ../incidents/incident-store.ts). Every multi-row change runs in a
 * transaction of the caller.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import {
  GuardrailSchema,
  GuardrailStateSchema,
  type Guardrail,
  type GuardrailState,
} from '../../../shared/guardrails.ts';
import { RolloutPlanSchema, type RolloutPlan } from '../../../shared/rollout-plans.ts';
import type { Approval, RolloutState, RolloutStatus } from '../../../shared/rollout-state.ts';
import { ConnectionWatch } from '../db/connection-watch.ts';
import { ParsedJson } from '../db/parsed-json.ts';
import { statementCache, type Db, type Sql } from '../db/database.ts';

/** `provider/environment/key`: a flag's id in maps. */
export const flagId = (f: FlagRef): string => `${f.provider}/${f.environment}/${f.key}`;

interface StateRow {
  provider: string;
  environment: string;
  flag_key: string;
  stage_index: number;
  status: RolloutStatus;
  stage_started_at: string | null;
  reason: string | null;
  approvals_json: string;
  pending_action_id: number | null;
  generation: number;
  evidence_since: string | null;
  updated_at: string;
}

/** A rollout state with its generation (bumped on every transition; part of idempotency keys). */
export interface StoredState extends RolloutState {
  generation: number;
}

const toState = (r: StateRow): StoredState => ({
  flag: { provider: r.provider, environment: r.environment, key: r.flag_key },
  stageIndex: r.stage_index,
  status: r.status,
  stageStartedAt: r.stage_started_at,
  reason: r.reason,
  approvals: JSON.parse(r.approvals_json) as Approval[],
  pendingActionId: r.pending_action_id,
  evidenceSince: r.evidence_since,
  generation: r.generation,
  updatedAt: r.updated_at,
});

/** The {@link ConnectionWatch} topic of the plan and guardrail tables. */
const CONFIG = 'rollout_plan+guardrail';
/** The {@link ConnectionWatch} topic of the stage-state table. */
const STATES = 'rollout_state';

/**
 * Rollout plans, states and guardrails on one database connection (see the module docs); parsed rows
 * are cached until the watch's stamp changes ({@link ConnectionWatch}).
 */
export class RolloutStore {
  readonly db: Db;
  private readonly sql: Sql;
  /** Parsed plans and guardrails by their stored JSON (the monitor reads them every run). */
  private readonly parseCache = new ParsedJson();
  private readonly watch: ConnectionWatch;
  /** Every plan and guardrail by flag id, valid while the watch's stamp is `stamp`. */
  private snapshot: {
    stamp: string;
    plans: Map<string, RolloutPlan>;
    guardrails: Map<string, Guardrail[]>;
  } | null = null;
  /** Every flag's stage state (frozen) by flag id, valid while the watch's stamp is `stamp`. */
  private stateSnapshot: { stamp: string; byFlag: Map<string, StoredState> } | null = null;
  constructor(db: Db) {
    this.db = db;
    this.sql = statementCache(db);
    this.watch = ConnectionWatch.of(db);
  }

  /**
   * Plans and guardrails of every flag, kept in memory until one is written (the monitor reads
   * them on every tick). Made again only when `rebuild` (a read of every flag's): a stale
   * snapshot answers null, and per-flag reads go to the database — defining many guardrails one
   * by one does not re-read all of them each time. Null inside a transaction.
   */
  private configured(rebuild: boolean): NonNullable<RolloutStore['snapshot']> | null {
    if (this.db.inTransaction) return null;
    const stamp = this.watch.stamp(CONFIG);
    if (this.snapshot?.stamp === stamp) return this.snapshot;
    if (!rebuild) return null;
    const plans = new Map(this.readPlans().map((p) => [flagId(p.flag), p]));
    const guardrails = new Map<string, Guardrail[]>();
    for (const g of this.readGuardrails()) {
      const k = flagId(g.flag);
      const list = guardrails.get(k);
      if (list) list.push(g);
      else guardrails.set(k, [g]);
    }
    this.snapshot = { stamp, plans, guardrails };
    return this.snapshot;
  }

  /** `schema.parse(JSON.parse(json))`, memoized by the JSON text; the value is frozen. */
  private parsed<T>(schema: { parse: (v: unknown) => T }, json: string): T {
    return this.parseCache.get(schema, json);
  }

  // --- plans ---
  savePlan(plan: RolloutPlan, at: string): void {
    this.sql(
      `INSERT INTO rollout_plan (provider, environment, flag_key, json, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (provider, environment, flag_key) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`,
    ).run(plan.flag.provider, plan.flag.environment, plan.flag.key, JSON.stringify(plan), at);
    this.watch.touch(CONFIG);
  }

  plan(flag: FlagRef): RolloutPlan | null {
    const c = this.configured(false);
    if (c) return c.plans.get(flagId(flag)) ?? null;
    const r = this.sql(
      `SELECT json FROM rollout_plan WHERE provider = ? AND environment = ? AND flag_key = ?`,
    ).get(flag.provider, flag.environment, flag.key) as { json: string } | undefined;
    return r ? this.parsed(RolloutPlanSchema, r.json) : null;
  }

  plans(): RolloutPlan[] {
    const c = this.configured(true);
    return c ? [...c.plans.values()] : this.readPlans();
  }

  private readPlans(): RolloutPlan[] {
    const rows = this.sql(`SELECT json FROM rollout_plan ORDER BY provider, environment, flag_key`).all() as {
      json: string;
    }[];
    return rows.map((r) => this.parsed(RolloutPlanSchema, r.json));
  }

  // --- states ---
  /**
   * The flag's stage state (frozen), or null. Served from the snapshot {@link states} made while
   * no state was written since (the monitor reads every flag's on every tick); otherwise read.
   */
  state(flag: FlagRef): StoredState | null {
    const snap = this.stateSnapshot;
    if (snap && !this.db.inTransaction && snap.stamp === this.watch.stamp(STATES))
      return snap.byFlag.get(flagId(flag)) ?? null;
    const r = this.sql(
      `SELECT * FROM rollout_state WHERE provider = ? AND environment = ? AND flag_key = ?`,
    ).get(flag.provider, flag.environment, flag.key) as StateRow | undefined;
    return r ? Object.freeze(toState(r)) : null;
  }

  /** Every flag's stage state (frozen); keeps them as the snapshot {@link state} reads. */
  states(): StoredState[] {
    const all = (this.sql(`SELECT * FROM rollout_state`).all() as StateRow[]).map((r) =>
      Object.freeze(toState(r)),
    );
    if (!this.db.inTransaction)
      this.stateSnapshot = {
        stamp: this.watch.stamp(STATES),
        byFlag: new Map(all.map((s) => [flagId(s.flag), s])),
      };
    return all;
  }

  /** Creates or replaces the state; bumps the generation when `bump` (every transition). */
  putState(
    s: Omit<RolloutState, 'evidenceSince'> & { evidenceSince?: string | null; generation?: number },
    at: string,
    bump = true,
  ): StoredState {
    const prev = this.state(s.flag);
    const generation = (prev?.generation ?? 0) + (bump ? 1 : 0);
    const evidenceSince = s.evidenceSince ?? null;
    this.sql(
      `INSERT OR REPLACE INTO rollout_state (provider, environment, flag_key, stage_index, status, stage_started_at, reason,
         approvals_json, pending_action_id, generation, evidence_since, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      s.flag.provider,
      s.flag.environment,
      s.flag.key,
      s.stageIndex,
      s.status,
      s.stageStartedAt,
      s.reason,
      JSON.stringify(s.approvals),
      s.pendingActionId,
      generation,
      evidenceSince,
      at,
    );
    this.watch.touch(STATES);
    return { ...s, evidenceSince, generation, updatedAt: at };
  }

  // --- guardrails ---
  defineGuardrail(g: Guardrail): void {
    this.sql(
      `INSERT INTO guardrail (provider, environment, flag_key, id, json) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (provider, environment, flag_key, id) DO UPDATE SET json = excluded.json`,
    ).run(g.flag.provider, g.flag.environment, g.flag.key, g.id, JSON.stringify(g));
    this.watch.touch(CONFIG);
  }

  removeGuardrail(flag: FlagRef, id: string): boolean {
    const args = [flag.provider, flag.environment, flag.key, id];
    this.sql(
      `DELETE FROM guardrail_status WHERE provider = ? AND environment = ? AND flag_key = ? AND id = ?`,
    ).run(...args);
    const removed =
      this.sql(
        `DELETE FROM guardrail WHERE provider = ? AND environment = ? AND flag_key = ? AND id = ?`,
      ).run(...args).changes > 0;
    this.watch.touch(CONFIG);
    return removed;
  }

  /** Guardrails of a flag (of every flag when omitted), by flag and id. */
  guardrails(flag?: FlagRef): Guardrail[] {
    const c = this.configured(!flag);
    if (c) return flag ? [...(c.guardrails.get(flagId(flag)) ?? [])] : [...c.guardrails.values()].flat();
    return this.readGuardrails(flag);
  }

  private readGuardrails(flag?: FlagRef): Guardrail[] {
    const rows = (
      flag
        ? this.sql(
            `SELECT json FROM guardrail WHERE provider = ? AND environment = ? AND flag_key = ? ORDER BY id`,
          ).all(flag.provider, flag.environment, flag.key)
        : this.sql(`SELECT json FROM guardrail ORDER BY provider, environment, flag_key, id`).all()
    ) as { json: string }[];
    return rows.map((r) => this.parsed(GuardrailSchema, r.json));
  }

  /** The last evaluation of each guardrail of a flag (of every flag when omitted), by guardrail id. */
  guardrailStates(flag?: FlagRef): Map<string, GuardrailState> {
    const rows = (
      flag
        ? this.sql(
            `SELECT * FROM guardrail_status WHERE provider = ? AND environment = ? AND flag_key = ?`,
          ).all(flag.provider, flag.environment, flag.key)
        : this.sql(`SELECT * FROM guardrail_status`).all()
    ) as { provider: string; environment: string; flag_key: string; id: string; state_json: string }[];
    const out = new Map<string, GuardrailState>();
    for (const r of rows)
      out.set(
        `${r.provider}/${r.environment}/${r.flag_key}#${r.id}`,
        GuardrailStateSchema.parse(JSON.parse(r.state_json)),
      );
    return out;
  }

  putGuardrailState(s: GuardrailState): void {
    const g = s.guardrail;
    this.sql(
      `INSERT OR REPLACE INTO guardrail_status (provider, environment, flag_key, id, state_json) VALUES (?, ?, ?, ?, ?)`,
    ).run(g.flag.provider, g.flag.environment, g.flag.key, g.id, JSON.stringify(s));
  }
}
