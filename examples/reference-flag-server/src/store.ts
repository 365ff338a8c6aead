/**
 * The reference server's state: flags, the change log and stored idempotent
 * responses. In memory, optionally saved to a JSON file after every change
 * (`statePath`, written to a temp file and renamed, so a crash never leaves half a file).
 *
 * A real service keeps this in its database; the rules are what matters:
 * - a change bumps the flag's version and appends exactly one history event (none when no
 *   layer changes);
 * - `expectedVersion` is compared with the current version before anything is written;
 * - the first successful response of an `Idempotency-Key` is stored with a fingerprint of the
 *   request, so a retry replays it instead of applying the change twice.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LAYER_NAMES } from './types.ts';
import type {
  Bucketing,
  ChangeRequest,
  ChangeResult,
  Flag,
  HistoryEvent,
  LayerChange,
  Layers,
  Variant,
} from './types.ts';

/** A flag as seeded or created by the service's own tools (everything but `key`/`environment` optional). */
export interface FlagSeed {
  key: string;
  environment: string;
  name?: string;
  description?: string;
  kind?: Flag['kind'];
  layers?: Partial<Layers>;
  variants?: Variant[];
  bucketing?: Bucketing | null;
  metadata?: Record<string, unknown>;
}

/** A stored response of a change, replayed for retries with the same `Idempotency-Key`. */
export interface IdempotencyRecord {
  /** sha256 of method, path and canonical body. */
  fingerprint: string;
  status: number;
  body: unknown;
  /** Epoch ms. */
  storedAt: number;
}

/** What {@link FlagStore.change} did. */
export type ChangeOutcome =
  | { kind: 'applied'; result: ChangeResult }
  | { kind: 'not-found' }
  | { kind: 'conflict'; currentVersion: string };

/** A cursor the store did not issue. */
export class BadCursorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadCursorError';
  }
}

interface SavedState {
  flags: Flag[];
  events: HistoryEvent[];
  nextSeq: number;
  idempotency: Record<string, IdempotencyRecord>;
}

/** How long stored idempotent responses are kept, ms (24 h). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

const EMPTY_LAYERS: Layers = {
  enabled: false,
  rolloutPercent: null,
  confidenceThreshold: null,
  modelVersion: null,
  allowList: [],
  blockList: [],
};

/** JSON with object keys sorted, so equal values give equal strings. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Fingerprint of a request for idempotency: sha256 hex of `METHOD path\ncanonical body`. */
export function requestFingerprint(method: string, urlPath: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${urlPath}\n${canonicalJson(body)}`)
    .digest('hex');
}

const id = (environment: string, key: string) => `${environment}\u0000${key}`;
const kindOf = (l: Layers): Flag['kind'] =>
  l.modelVersion !== null || l.confidenceThreshold !== null ? 'ai' : 'boolean';

/** Flags, history and idempotency records of one reference server. */
export class FlagStore {
  private readonly flags = new Map<string, Flag>();
  private events: HistoryEvent[] = [];
  private nextSeq = 1;
  private idempotency = new Map<string, IdempotencyRecord>();
  private readonly now: () => number;
  private readonly statePath: string | null;

  /**
   * @param options.seed flags to start with (ignored when `statePath` exists: the saved state wins).
   * @param options.now clock, epoch ms.
   * @param options.statePath JSON file to load from and save to after every change; `null` = memory only.
   */
  constructor(options: { seed?: FlagSeed[]; now?: () => number; statePath?: string | null } = {}) {
    this.now = options.now ?? Date.now;
    this.statePath = options.statePath ?? null;
    if (this.statePath && fs.existsSync(this.statePath)) {
      const saved = JSON.parse(fs.readFileSync(this.statePath, 'utf8')) as SavedState;
      for (const f of saved.flags) this.flags.set(id(f.environment, f.key), f);
      this.events = saved.events;
      this.nextSeq = saved.nextSeq;
      this.idempotency = new Map(Object.entries(saved.idempotency));
    } else {
      for (const s of options.seed ?? []) this.put(s, { record: false });
      this.save();
    }
  }

  /**
   * Creates or replaces a flag, as the service's own admin tools would. Records a
   * `flag-created` event (no layer changes) or, when it replaces a flag, a `flag-changed`
   * event with the layer differences — unless `record` is false (seeding).
   */
  put(seed: FlagSeed, options: { actor?: string; record?: boolean } = {}): Flag {
    const layers: Layers = { ...EMPTY_LAYERS, ...seed.layers };
    const previous = this.flags.get(id(seed.environment, seed.key));
    const flag: Flag = {
      key: seed.key,
      environment: seed.environment,
      name: seed.name ?? seed.key,
      description: seed.description ?? '',
      kind: seed.kind ?? kindOf(layers),
      layers,
      variants: seed.variants ?? [],
      version: String(previous ? Number(previous.version) + 1 : 1),
      updatedAt: new Date(this.now()).toISOString(),
      bucketing: seed.bucketing ?? null,
      metadata: seed.metadata ?? {},
    };
    this.flags.set(id(flag.environment, flag.key), flag);
    if (options.record !== false) {
      const changes = previous ? diff(previous.layers, flag.layers) : [];
      this.append(flag, previous ? 'flag-changed' : 'flag-created', options.actor ?? null, null, changes);
    }
    this.save();
    return structuredClone(flag);
  }

  /** One flag (a copy), or `undefined`. */
  get(environment: string, key: string): Flag | undefined {
    const f = this.flags.get(id(environment, key));
    return f ? structuredClone(f) : undefined;
  }

  /**
   * A page of flags ordered by environment, then key.
   * @throws BadCursorError for a cursor this store did not issue.
   */
  list(q: { environment?: string; limit: number; cursor?: string }): {
    flags: Flag[];
    nextCursor: string | null;
  } {
    let after: [string, string] | null = null;
    if (q.cursor !== undefined) {
      try {
        const parsed = JSON.parse(Buffer.from(q.cursor, 'base64url').toString('utf8')) as unknown;
        if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((x) => typeof x === 'string'))
          throw new Error('bad shape');
        after = parsed as [string, string];
      } catch {
        throw new BadCursorError(`cursor "${q.cursor}" was not issued by this server`);
      }
    }
    const sorted = [...this.flags.values()]
      .filter((f) => q.environment === undefined || f.environment === q.environment)
      .sort((a, b) => cmp(a.environment, b.environment) || cmp(a.key, b.key))
      .filter(
        (f) =>
          !after ||
          cmp(f.environment, after[0]) > 0 ||
          (f.environment === after[0] && cmp(f.key, after[1]) > 0),
      );
    const page = sorted.slice(0, q.limit);
    const last = page[page.length - 1];
    const nextCursor =
      sorted.length > q.limit && last
        ? Buffer.from(JSON.stringify([last.environment, last.key])).toString('base64url')
        : null;
    return { flags: structuredClone(page), nextCursor };
  }

  /**
   * Applies a change: checks `expectedVersion`, sets the layers, bumps the version and
   * appends one `flag-changed` event — or nothing when no layer changes.
   */
  change(environment: string, key: string, req: ChangeRequest): ChangeOutcome {
    const flag = this.flags.get(id(environment, key));
    if (!flag) return { kind: 'not-found' };
    if (req.expectedVersion !== null && req.expectedVersion !== flag.version)
      return { kind: 'conflict', currentVersion: flag.version };
    const layers: Layers = { ...flag.layers, ...structuredClone(req.set) };
    const changes = diff(flag.layers, layers);
    if (changes.length === 0)
      return { kind: 'applied', result: { flag: structuredClone(flag), event: null } };
    flag.layers = layers;
    flag.version = String(Number(flag.version) + 1);
    flag.updatedAt = new Date(this.now()).toISOString();
    const event = this.append(flag, 'flag-changed', req.actor, req.reason, changes);
    this.save();
    return { kind: 'applied', result: { flag: structuredClone(flag), event: structuredClone(event) } };
  }

  /**
   * Events after `after` (a cursor from an earlier event), oldest first.
   * @throws BadCursorError when `after` is not a cursor of this store.
   */
  history(q: { after?: string; environment?: string; limit: number }): {
    events: HistoryEvent[];
    nextCursor: string | null;
    hasMore: boolean;
  } {
    if (q.after !== undefined && !/^\d{1,15}$/.test(q.after))
      throw new BadCursorError(`history cursor "${q.after}" was not issued by this server`);
    const after = q.after === undefined ? 0 : Number(q.after);
    const newer = this.events.filter(
      (e) => Number(e.cursor) > after && (q.environment === undefined || e.environment === q.environment),
    );
    const events = newer.slice(0, q.limit);
    const last = events[events.length - 1];
    return {
      events: structuredClone(events),
      nextCursor: last ? last.cursor : (q.after ?? null),
      hasMore: newer.length > events.length,
    };
  }

  /** The stored response for an idempotency key (expired records are dropped first). */
  idempotent(idempotencyKey: string): IdempotencyRecord | undefined {
    this.pruneIdempotency();
    return this.idempotency.get(idempotencyKey);
  }

  /** Stores the response of the first successful attempt with `idempotencyKey`. */
  rememberIdempotent(idempotencyKey: string, record: Omit<IdempotencyRecord, 'storedAt'>): void {
    this.idempotency.set(idempotencyKey, { ...record, storedAt: this.now() });
    this.save();
  }

  private pruneIdempotency(): void {
    const oldest = this.now() - IDEMPOTENCY_TTL_MS;
    for (const [k, r] of this.idempotency) if (r.storedAt < oldest) this.idempotency.delete(k);
  }

  private append(
    flag: Flag,
    type: HistoryEvent['type'],
    actor: string | null,
    reason: string | null,
    changes: LayerChange[],
  ): HistoryEvent {
    const seq = this.nextSeq++;
    const event: HistoryEvent = {
      id: `evt-${seq}`,
      cursor: String(seq),
      at: flag.updatedAt,
      actor,
      environment: flag.environment,
      key: flag.key,
      type,
      reason,
      changes,
      version: flag.version,
    };
    this.events.push(event);
    return event;
  }

  private save(): void {
    if (!this.statePath) return;
    const state: SavedState = {
      flags: [...this.flags.values()],
      events: this.events,
      nextSeq: this.nextSeq,
      idempotency: Object.fromEntries(this.idempotency),
    };
    fs.mkdirSync(path.dirname(this.statePath), { recursive: true });
    const tmp = `${this.statePath}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
    fs.renameSync(tmp, this.statePath);
  }
}

/** Layer-by-layer differences, in display order. */
function diff(before: Layers, after: Layers): LayerChange[] {
  return LAYER_NAMES.filter((l) => JSON.stringify(before[l]) !== JSON.stringify(after[l])).map((layer) => ({
    layer,
    before: before[layer],
    after: after[layer],
  }));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
