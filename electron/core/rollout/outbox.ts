/**
 * The journaled action outbox: every action the monitor or an operator takes on a flag (stage
 * change, pause target, rollback) and every webhook is written to SQLite BEFORE anything is sent,
 * then executed by {@link Outbox.drain}:
 *
 * 1. Reconcile: re-read the flag from the provider. When it already shows the change (a crash after
 *    the call, or someone made it by hand) the action is confirmed without a second call —
 *    idempotent. When the provider cannot be read, retry later.
 * 2. (The attempt is marked `sent`, attempts + 1, before the re-read.) Execute through the existing action path
 *    ({@link FlagActions.apply}: journals an audit row, sends, re-reads and confirms).
 * 3. Confirmed → `confirmed` (with the audit id). Timeout, network failure, 429, 5xx or a version
 *    conflict → `pending` again with exponential backoff and jitter (equal jitter: half the delay
 *    fixed, half random; base 1 s, cap 30 s), or after the provider's `Retry-After` when that is
 *    longer (at most {@link MAX_RETRY_AFTER_MS}). Any other failure, or `maxAttempts` reached →
 *    `failed`.
 *
 * Claims (processes sharing a data folder): an action is sent only by the process that claimed it
 * — claimed when journaled by the process that decided it, renewed while it retries — so two
 * processes never send one action. A claim that expires (its process died) makes the action an
 * orphan, which only the process holding the monitor lease (`isLeader`) takes over: it reconciles
 * first (re-read; the change is there → confirmed, the interrupted audit row completed), else sends
 * again — an operator's direct change (`purpose: direct`) once more at most. A clean shutdown
 * releases this process's claims. Reading processes (CLI reads) hold no claim and send nothing.
 * Every flag change runs holding the flag (`FlagActions.withFlag`), like an operator's change.
 *
 * One drain runs at a time; an error while draining is recorded ({@link Outbox.lastError}) and the
 * next pass is scheduled — it never escapes.
 */
import type { ActionKind, FlagLayers, LayerPatch } from '../../../shared/domain.ts';
import type { OutboxAction } from '../../../shared/decisions.ts';
import type { FlagActions } from '../flags/flag-actions.ts';
import { CoreError, toApiError } from '../errors.ts';
import { ProviderError, type FlagProvider } from '../providers/provider.ts';
import type { JournalStore } from '../decisions/journal-store.ts';
import { sendWebhook, WebhookError } from './webhook.ts';

/** Payload of a `flag-change` action. */
export interface FlagChangePayload {
  patch: LayerPatch;
  reason: string;
  action: ActionKind;
  /** What the change is for (`start`, `advance`, `restart`, `rollback`, …), for the settle callback. */
  purpose: string;
  /** The stage the change applies, when it is a stage change. */
  stageIndex?: number;
  /**
   * Who decided it (`monitor` or the operator): the actor of the audit row and history entry.
   * Absent in actions journaled by earlier builds (then `monitor`).
   */
  actor?: string;
  /** A direct change: the audit row of the call it journals. */
  auditId?: number;
}

/** Payload of a `webhook` action. */
export interface WebhookPayload {
  body: unknown;
}

/** Webhook destination (the secret is read from the environment, never stored). */
export interface WebhookTarget {
  url: string;
  secret: string;
}

/**
 * What the {@link Outbox} needs: the journal, this process's owner id and leadership, the providers and
 * flag actions, the webhook target, a clock (ms since epoch), the settle callback, and optional retry
 * settings (delays in ms).
 */
export interface OutboxDeps {
  journal: JournalStore;
  /** This process's owner id (claims). */
  owner: string;
  /** True while this process holds the monitor lease: it also takes over orphaned actions. */
  isLeader: () => boolean;
  /** How long a claim outlives the attempt it covers, ms (default {@link CLAIM_MS}). */
  claimMs?: number;
  providers: () => ReadonlyMap<string, FlagProvider>;
  actions: FlagActions;
  webhook: () => WebhookTarget | null;
  now: () => number;
  /** Random in [0, 1) for the jitter (tests pass a fixed one). */
  random?: () => number;
  /** Called when an action reaches `confirmed` or `failed`. */
  onSettled: (action: OutboxAction, outcome: 'confirmed' | 'failed', detail: string) => void;
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxAttempts?: number;
}

/** True when layers hold every value of the patch (same comparison as FlagActions). */
export function layersSatisfy(layers: Record<string, unknown>, patch: LayerPatch): boolean {
  return Object.entries(patch).every(([k, v]) => JSON.stringify(layers[k]) === JSON.stringify(v));
}

/**
 * Whether a failed provider call is worth retrying: timeouts and network failures (no status),
 * 408, 409 (version conflict: re-planned from a fresh read), 429 and 5xx.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof WebhookError) return error.retryable;
  if (error instanceof ProviderError) {
    const s = error.status;
    return s === null || s === 408 || s === 409 || s === 429 || s >= 500;
  }
  const api = toApiError(error);
  if (api.code === 'CONFLICT') return true;
  if (api.code !== 'PROVIDER_ERROR') return false;
  // FlagActions wraps provider failures in a CoreError: read the HTTP status from its message.
  const status = /HTTP (\d{3})/.exec(api.message)?.[1];
  if (!status) return true; // timeout / network failure: no HTTP status
  const s = Number(status);
  return s === 408 || s === 409 || s === 429 || s >= 500;
}

/**
 * How long a claim outlives its attempt or its next scheduled retry, ms. A live but slow attempt
 * is safe past it: taking the action over needs the flag's lease, which the sender keeps renewing.
 */
export const CLAIM_MS = 30_000;

/** Longest `Retry-After` the outbox honours, ms (a provider asking for longer is retried then). */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * The wait a provider asked for (`Retry-After`, on {@link ProviderError.retryAfterMs}) in `error`
 * or the errors it wraps (`cause`), ms; null when none did.
 */
export function retryAfterIn(error: unknown): number | null {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++)
    if (e instanceof ProviderError && e.retryAfterMs !== null) return e.retryAfterMs;
  return null;
}

/** `Serving, rollout 10 %, …` (for audit notes). */
const describeLayers = (l: FlagLayers): string =>
  `${l.enabled ? 'Serving' : 'Killed'}, rollout ${l.rolloutPercent ?? '—'} %, threshold ${l.confidenceThreshold ?? '—'}, model ${l.modelVersion ?? '—'}`;

const auditIdIn = (message: string): number | null => {
  const m = /audit #(\d+)/.exec(message);
  return m ? Number(m[1]) : null;
};

/** The journaled action outbox of one process (see the module docs). */
export class Outbox {
  private readonly d: OutboxDeps;
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** The last error a drain hit outside an action (e.g. a busy database), with its time; or null. */
  lastError: { at: string; message: string } | null = null;

  constructor(deps: OutboxDeps) {
    this.d = deps;
  }

  private scope() {
    return { owner: this.d.owner, orphans: this.d.isLeader() };
  }

  private claimMs(): number {
    return this.d.claimMs ?? CLAIM_MS;
  }

  /** Delay before attempt `attempts + 1`, ms: equal jitter over min(cap, base·2^(attempts−1)). */
  backoff(attempts: number): number {
    const base = this.d.baseDelayMs ?? 1000;
    const cap = this.d.maxDelayMs ?? 30_000;
    const exp = Math.min(cap, base * 2 ** Math.max(0, attempts - 1));
    return Math.round(exp / 2 + (this.d.random ?? Math.random)() * (exp / 2));
  }

  /** Runs every due action (once at a time; a call during a drain schedules another pass). */
  drain(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = this.drainLoop().catch((error: unknown) => {
      this.lastError = { at: new Date(this.d.now()).toISOString(), message: toApiError(error).message };
    });
    this.running = run;
    void run.finally(() => {
      if (this.running === run) this.running = null;
      try {
        this.schedule();
      } catch (error) {
        this.lastError = { at: new Date(this.d.now()).toISOString(), message: toApiError(error).message };
      }
    });
    return run;
  }

  private async drainLoop(): Promise<void> {
    await Promise.resolve(); // never settle synchronously: `running` is set before the loop ends
    do {
      this.again = false;
      for (const a of this.d.journal.due(this.d.now(), this.scope())) {
        if (this.stopped) return;
        // Claim it first: another process may have taken it since the query.
        if (!this.d.journal.claim(a.id, this.d.owner, this.d.now(), this.d.now() + this.claimMs())) continue;
        await this.execute(a);
      }
    } while (this.again && !this.stopped);
  }

  /** Waits for the running drain, if any. */
  async idle(): Promise<void> {
    while (this.running)
      await this.running.catch(() => undefined).then(() => new Promise((r) => setImmediate(r)));
  }

  /**
   * Stops scheduling retries and releases this process's claims: unfinished actions stay
   * journaled, for this process's next start or the monitor's process to take over at once.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.idle();
    try {
      this.d.journal.releaseClaims(this.d.owner);
    } catch {
      // A read-only connection or a busy database: the claims expire by themselves (CLAIM_MS).
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const next = this.d.journal.nextDueAt(this.scope());
    if (next === null) return;
    this.timer = setTimeout(() => void this.drain(), Math.max(0, next - this.d.now()));
    this.timer.unref();
  }

  private async execute(a: OutboxAction): Promise<void> {
    const { journal } = this.d;
    try {
      if (a.kind === 'webhook') {
        const target = this.d.webhook();
        if (!target) {
          journal.markFailed(a.id, 'no webhook is configured (or its secret variable is unset)', null);
          return;
        }
        journal.markSent(a.id);
        await sendWebhook({
          url: target.url,
          secret: target.secret,
          body: (a.payload as unknown as WebhookPayload).body,
          idempotencyKey: a.idempotencyKey,
          nowMs: this.d.now(),
        });
        journal.markConfirmed(a.id, new Date(this.d.now()).toISOString(), null);
        this.d.onSettled({ ...a, status: 'confirmed' }, 'confirmed', 'webhook delivered');
        return;
      }
      const p = a.payload as unknown as FlagChangePayload;
      const provider = this.d.providers().get(a.flag.provider);
      if (!provider) throw new CoreError('NOT_FOUND', `provider "${a.flag.provider}" is not configured`);
      const actor = p.actor ?? 'monitor';
      const direct = p.purpose === 'direct';
      // The audit row an interrupted attempt left pending (a crash mid-call), if any.
      const interrupted = a.status === 'sent' ? (a.auditId ?? p.auditId ?? null) : null;
      const settled = await this.d.actions.withFlag(a.flag, async () => {
        // Reconcile first, holding the flag: the change may already be there (a crash after the call).
        journal.markSent(a.id);
        const current = await provider.getFlag(a.flag.environment, a.flag.key);
        if (layersSatisfy(current.layers as unknown as Record<string, unknown>, p.patch)) {
          // The provider's state is confirmed: it replaces the cached one (incidents follow from it).
          this.d.actions.observeConfirmed(current, { actor, reason: p.reason, decisionId: a.decisionId });
          if (interrupted !== null)
            this.d.actions.closeInterrupted(
              interrupted,
              current.layers,
              'the provider shows the change (reconciled after an interruption)',
            );
          journal.markConfirmed(a.id, new Date(this.d.now()).toISOString(), interrupted);
          return { auditId: interrupted, detail: 'the provider already shows the change (reconciled)' };
        }
        if (interrupted !== null)
          this.d.actions.closeInterrupted(
            interrupted,
            null,
            `interrupted mid-call; the provider shows ${describeLayers(current.layers)}; sent again (outbox #${a.id})`,
          );
        // An operator's direct change is sent once more at most after an interruption.
        if (direct && (journal.action(a.id)?.attempts ?? 2) > 2)
          throw new CoreError(
            'PROVIDER_ERROR',
            `interrupted twice mid-call; not sent again — check the flag and act by hand`,
          );
        const result = await this.d.actions.applyHeld(
          a.flag,
          p.patch,
          p.reason,
          { kind: p.action, actor, decision: { id: a.decisionId }, outboxId: a.id },
          null,
        );
        journal.markConfirmed(a.id, new Date(this.d.now()).toISOString(), result.audit.id);
        return { auditId: result.audit.id, detail: `confirmed by the provider (audit #${result.audit.id})` };
      });
      this.d.onSettled({ ...a, status: 'confirmed', auditId: settled.auditId }, 'confirmed', settled.detail);
    } catch (error) {
      const message = toApiError(error).message;
      const attempts = (journal.action(a.id)?.attempts ?? a.attempts) || 1;
      const max = this.d.maxAttempts ?? (a.kind === 'webhook' ? 10 : 50);
      const direct = a.kind === 'flag-change' && (a.payload as { purpose?: unknown }).purpose === 'direct';
      if (isRetryable(error) && attempts < max && !direct) {
        // The backoff, or longer when the provider said how long to wait (429/503 Retry-After).
        const asked = Math.min(MAX_RETRY_AFTER_MS, retryAfterIn(error) ?? 0);
        const nextAt = this.d.now() + Math.max(this.backoff(attempts), asked);
        // This process keeps its claim until a while after the retry: it retries it itself.
        journal.markRetry(a.id, message, nextAt, nextAt + this.claimMs());
        return;
      }
      const auditId = auditIdIn(message);
      const why = isRetryable(error) ? `gave up after ${attempts} attempts: ${message}` : message;
      journal.markFailed(a.id, why, auditId);
      this.d.onSettled({ ...a, status: 'failed', lastError: why }, 'failed', why);
    }
  }
}
