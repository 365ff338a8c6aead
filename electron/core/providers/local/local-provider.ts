/**
 * The embedded default provider: flags live in the app's own SQLite database
 * (tables `local_flag`, `local_event`). It supports every action the UI offers,
 * with optimistic concurrency on an integer version per flag.
 */
import type { Db } from '../../db/database.ts';
import {
  FlagLayersSchema,
  type FlagKind,
  type FlagState,
  type LayerPatch,
  type ProviderCapabilities,
  type Variant,
} from '../../../../shared/domain.ts';
import {
  ALL_CAPABILITIES,
  ConflictError,
  FlagNotFoundError,
  applyPatch,
  diffLayers,
  type ChangePlan,
  type ExecuteOutcome,
  type FlagProvider,
  type HistoryPage,
  type ProviderHealth,
} from '../provider.ts';
import { SEED_EVENTS, SEED_FLAGS } from './local-seed.ts';
import type { Bucketing } from '../../../../shared/bucketing.ts';

interface Row {
  environment: string;
  flag_key: string;
  name: string;
  description: string;
  kind: FlagKind;
  layers_json: string;
  variants_json: string;
  version: number;
  updated_at: string;
}

const HOUR_MS = 3_600_000;

/** Options of {@link createLocalProvider}. */
export interface LocalProviderOptions {
  name: string;
  db: Db;
  /** Clock (ms since epoch); injectable for tests. */
  now?: () => number;
}

/** Seeds the example flags and their history when the local tables are empty. Idempotent. */
export function seedLocalFlags(db: Db, nowMs: number): boolean {
  const count = (db.prepare('SELECT COUNT(*) AS n FROM local_flag').get() as { n: number }).n;
  if (count > 0) return false;
  db.transaction(() => {
    const insert = db.prepare(
      `INSERT INTO local_flag (environment, flag_key, name, description, kind, layers_json, variants_json, version, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)`,
    );
    for (const f of SEED_FLAGS) {
      const last = SEED_EVENTS.filter((e) => e.key === f.key && e.environment === f.environment).at(-1);
      const updated = new Date(nowMs - (last?.hoursAgo ?? 24 * 30) * HOUR_MS).toISOString();
      insert.run(
        f.environment,
        f.key,
        f.name,
        f.description,
        f.kind,
        JSON.stringify(f.layers),
        JSON.stringify(f.variants),
        updated,
      );
    }
    const event = db.prepare(
      'INSERT INTO local_event (at, actor, environment, flag_key, type, changes_json) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const e of SEED_EVENTS) {
      event.run(
        new Date(nowMs - e.hoursAgo * HOUR_MS).toISOString(),
        e.actor,
        e.environment,
        e.key,
        e.type,
        JSON.stringify(e.changes),
      );
    }
  })();
  return true;
}

/** Keeps variant weights in step with the rollout % on AI flags (treatment = rollout %). */
function syncVariantWeights(kind: FlagKind, variants: Variant[], rollout: number | null): Variant[] {
  if (kind !== 'ai' || rollout === null || variants.length !== 2) return variants;
  const [control, treatment] = variants as [Variant, Variant];
  return [
    { ...control, weightPercent: 100 - rollout },
    { ...treatment, weightPercent: rollout },
  ];
}

/** Creates the embedded provider over the app's database. */
export function createLocalProvider(options: LocalProviderOptions): FlagProvider {
  const { name, db } = options;
  const now = options.now ?? Date.now;

  const toState = (r: Row): FlagState => ({
    provider: name,
    providerKind: 'local',
    environment: r.environment,
    key: r.flag_key,
    name: r.name,
    description: r.description,
    kind: r.kind,
    layers: FlagLayersSchema.parse(JSON.parse(r.layers_json)),
    variants: JSON.parse(r.variants_json) as Variant[],
    version: String(r.version),
    updatedAt: r.updated_at,
    native: {
      storage: 'sqlite',
      table: 'local_flag',
      version: r.version,
      // Audience preview: Unleash's scheme with groupId = flag key (shared/bucketing.ts).
      bucketing: { scheme: 'local', groupId: r.flag_key } satisfies Bucketing,
    },
  });

  const read = (environment: string, key: string): FlagState => {
    const row = db
      .prepare('SELECT * FROM local_flag WHERE environment = ? AND flag_key = ?')
      .get(environment, key) as Row | undefined;
    if (!row)
      throw new FlagNotFoundError(
        `flag "${key}" not found in environment "${environment}" of provider "${name}"`,
      );
    return toState(row);
  };

  return {
    name,
    kind: 'local',
    url: null,
    capabilities(): ProviderCapabilities {
      return { ...ALL_CAPABILITIES };
    },
    async health(): Promise<ProviderHealth> {
      const t0 = performance.now();
      db.prepare('SELECT 1').get();
      return { ok: true, latencyMs: performance.now() - t0, message: null };
    },
    async listFlags(): Promise<FlagState[]> {
      return (db.prepare('SELECT * FROM local_flag ORDER BY environment, flag_key').all() as Row[]).map(
        toState,
      );
    },
    async getFlag(environment, key) {
      return read(environment, key);
    },
    async planChange(current, patch: LayerPatch): Promise<ChangePlan> {
      const changes = diffLayers(current.layers, applyPatch(current.layers, patch));
      return {
        environment: current.environment,
        key: current.key,
        patch,
        expectedVersion: current.version,
        description: changes.map(
          (c) =>
            `set ${c.layer} of ${current.key} in ${current.environment}: ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`,
        ),
        requests: [
          {
            method: 'UPDATE',
            url: `sqlite:local_flag/${current.environment}/${current.key}`,
            body: { patch, expectedVersion: current.version },
          },
        ],
      };
    },
    async executePlan(plan, _reason, actor): Promise<ExecuteOutcome> {
      const at = new Date(now()).toISOString();
      const version = db.transaction(() => {
        const current = read(plan.environment, plan.key);
        if (plan.expectedVersion !== null && current.version !== plan.expectedVersion) {
          throw new ConflictError(
            `flag "${plan.key}" changed since it was read (version ${plan.expectedVersion} → ${current.version}); review and try again`,
          );
        }
        const after = applyPatch(current.layers, plan.patch);
        const changes = diffLayers(current.layers, after);
        const next = Number(current.version) + 1;
        db.prepare(
          `UPDATE local_flag SET layers_json = ?, variants_json = ?, version = ?, updated_at = ? WHERE environment = ? AND flag_key = ?`,
        ).run(
          JSON.stringify(after),
          JSON.stringify(syncVariantWeights(current.kind, current.variants, after.rolloutPercent)),
          next,
          at,
          plan.environment,
          plan.key,
        );
        if (changes.length) {
          db.prepare(
            'INSERT INTO local_event (at, actor, environment, flag_key, type, changes_json) VALUES (?, ?, ?, ?, ?, ?)',
          ).run(at, actor, plan.environment, plan.key, 'layers-updated', JSON.stringify(changes));
        }
        return next;
      })();
      return { responses: [{ status: 'ok', version }] };
    },
    async historySince(cursor): Promise<HistoryPage> {
      const rows = db
        .prepare('SELECT * FROM local_event WHERE id > ? ORDER BY id LIMIT 5000')
        .all(cursor === null ? 0 : Number(cursor)) as {
        id: number;
        at: string;
        actor: string | null;
        environment: string;
        flag_key: string;
        type: string;
        changes_json: string;
      }[];
      return {
        events: rows.map((r) => ({
          id: String(r.id),
          at: r.at,
          actor: r.actor,
          environment: r.environment,
          key: r.flag_key,
          type: r.type,
          changes: JSON.parse(r.changes_json),
        })),
        cursor: rows.length ? String(rows.at(-1)!.id) : cursor,
      };
    },
  };
}
