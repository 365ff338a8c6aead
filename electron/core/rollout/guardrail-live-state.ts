/**
 * The live guardrail states: every guardrail's last evaluation (with its sparkline values), kept in
 * memory and written to SQLite — a changed state at once, an unchanged one every
 * {@link STATE_PERSIST_MS} at a point of that period drawn from its key, right after the evaluation
 * (a `setImmediate`), so the writes of many guardrails spread out and never slow an evaluation.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import type { Guardrail, GuardrailState } from '../../../shared/guardrails.ts';
import type { Db } from '../db/database.ts';
import { flagId, type RolloutStore } from './rollout-store.ts';

/** Unchanged guardrail states are written again after this long (ms): a restart shows values at most this old until the next tick. */
const STATE_PERSIST_MS = 300_000;

/** A delay in [0, {@link STATE_PERSIST_MS}) drawn from `key` (FNV-1a), to spread periodic writes. */
function spreadMs(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % STATE_PERSIST_MS;
}

/** A guardrail state without its sparkline values (`recent`), as decision records keep it. */
export const stripRecent = (s: GuardrailState): GuardrailState => ({ ...s, recent: [] });

/** The live guardrail states of every flag and their delayed writes (one per rollout service). */
export class GuardrailLiveState {
  private readonly db: Db;
  private readonly store: RolloutStore;
  private readonly now: () => number;
  /** Live guardrail states (with their sparkline values), by `flagId#guardrailId`. */
  private readonly live = new Map<string, GuardrailState>();
  private readonly persistedAt = new Map<string, number>();
  /** Unchanged states due for their periodic write, by live key: written by {@link flush}. */
  private readonly dueStates = new Map<string, GuardrailState>();
  private flushScheduled: NodeJS.Immediate | null = null;
  /** Per guardrail definition (frozen, shared across evaluations): its live key and write phase. */
  private readonly keyOf = new WeakMap<Guardrail, { key: string; phase: number }>();

  /** Starts from the states stored by the last run (`store.guardrailStates()`); `now` is in ms. */
  constructor(db: Db, store: RolloutStore, now: () => number) {
    this.db = db;
    this.store = store;
    this.now = now;
    for (const [k, s] of store.guardrailStates()) this.live.set(k, s);
  }

  /** The live state of a guardrail (from the last evaluation), or null. */
  get(g: Guardrail): GuardrailState | null {
    return this.live.get(this.liveKey(g).key) ?? null;
  }

  /** Every live state, of every flag (in no particular order). */
  values(): IterableIterator<GuardrailState> {
    return this.live.values();
  }

  /**
   * The flag's guardrail states of its current evidence window: a state evaluated before a restart,
   * resume or restore (`evidenceSince`) describes data that no longer counts and is not shown.
   */
  current(flag: FlagRef): GuardrailState[] {
    const since = this.store.state(flag)?.evidenceSince ?? null;
    return this.store
      .guardrails(flag)
      .flatMap((g) => this.get(g) ?? [])
      .filter((s) => !since || s.evaluatedAt >= since);
  }

  /** Drops a guardrail's live state and its pending periodic write. */
  forget(flag: FlagRef, guardrailId: string): void {
    const key = `${flagId(flag)}#${guardrailId}`;
    this.live.delete(key);
    this.dueStates.delete(key);
  }

  /** A guardrail's key in {@link live} (`flagId#id`) and the phase of its periodic write, memoized. */
  private liveKey(g: Guardrail): { key: string; phase: number } {
    let k = this.keyOf.get(g);
    if (!k) {
      const key = `${flagId(g.flag)}#${g.id}`;
      this.keyOf.set(g, (k = { key, phase: spreadMs(key) }));
    }
    return k;
  }

  /**
   * Keeps an evaluation's states. One that changed (status, streak, rule) is written at once. An
   * unchanged one is written again every {@link STATE_PERSIST_MS} — at a point of that period drawn
   * from its key, so the writes of many guardrails spread out — by {@link flush}, which runs
   * right after the evaluation (a `setImmediate`), not inside it.
   */
  keep(states: readonly GuardrailState[]): void {
    const now = this.now();
    const writes: GuardrailState[] = [];
    for (const s of states) {
      const { key: k, phase } = this.liveKey(s.guardrail);
      const prev = this.live.get(k);
      this.live.set(k, s);
      const changed =
        !prev || prev.status !== s.status || prev.consecutive !== s.consecutive || prev.fired !== s.fired;
      const last = this.persistedAt.get(k);
      const slot = (t: number): number => Math.floor((t - phase) / STATE_PERSIST_MS);
      if (changed) {
        writes.push(s);
        this.dueStates.delete(k);
        this.persistedAt.set(k, now);
      } else if (last === undefined || slot(now) > slot(last) || this.dueStates.has(k)) {
        this.dueStates.set(k, s);
        this.persistedAt.set(k, now);
      }
    }
    if (writes.length) this.db.transaction(() => writes.forEach((s) => this.store.putGuardrailState(s)))();
    if (this.dueStates.size && !this.flushScheduled)
      this.flushScheduled = setImmediate(() => {
        this.flushScheduled = null;
        if (!this.db.open) return;
        try {
          this.flush();
        } catch {
          // A busy database: the states stay due (flush keeps them) for the next flush.
        }
      });
  }

  /**
   * Writes the unchanged states {@link keep} set aside for their periodic write (one transaction);
   * returns how many. Also called on close.
   * @throws the database's error (e.g. busy): the states stay due for the next flush.
   */
  flush(): number {
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.flushScheduled = null;
    const states = [...this.dueStates.values()];
    this.dueStates.clear();
    if (states.length)
      try {
        this.db.transaction(() => states.forEach((s) => this.store.putGuardrailState(s)))();
      } catch (error) {
        // Not written (e.g. a busy database): due again, unless a newer state replaced one.
        for (const s of states) {
          const { key } = this.liveKey(s.guardrail);
          if (!this.dueStates.has(key)) this.dueStates.set(key, s);
        }
        throw error;
      }
    return states.length;
  }
}
