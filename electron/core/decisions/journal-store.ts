/**
 * SQLite storage (schema v4, v6) of the decision records — the monitor's and every operator's —
 * and of the action outbox.
 * Decisions are bounded: {@link JournalStore.pruneDecisions} keeps the newest N.
 */
import type { AuditStatus, FlagRef } from '../../../shared/domain.ts';
import type {
  DecisionAction,
  DecisionRecord,
  OutboxAction,
  OutboxStatus,
} from '../../../shared/decisions.ts';
import { statementCache, type Db, type Sql } from '../db/database.ts';

interface DecisionRow {
  id: number;
  at: string;
  provider: string;
  environment: string;
  flag_key: string;
  stage_index: number;
  stage_name: string | null;
  actor: string;
  action: DecisionAction;
  rule: string;
  rationale: string;
  inputs_json: string;
  outbox_id: number | null;
  outbox_status: OutboxAction['status'] | null;
  audit_id: number | null;
  audit_status: AuditStatus | null;
}

interface OutboxRow {
  id: number;
  created_at: string;
  provider: string;
  environment: string;
  flag_key: string;
  kind: OutboxAction['kind'];
  payload_json: string;
  idempotency_key: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  decision_id: number | null;
  audit_id: number | null;
  confirmed_at: string | null;
  claimed_by: string | null;
}

const toDecision = (r: DecisionRow): DecisionRecord => ({
  id: r.id,
  at: r.at,
  flag: { provider: r.provider, environment: r.environment, key: r.flag_key },
  stageIndex: r.stage_index,
  stageName: r.stage_name,
  actor: r.actor,
  action: r.action,
  rule: r.rule,
  rationale: r.rationale,
  inputs: JSON.parse(r.inputs_json) as DecisionRecord['inputs'],
  outbox: r.outbox_id !== null && r.outbox_status ? { id: r.outbox_id, status: r.outbox_status } : null,
  audit: r.audit_id !== null && r.audit_status ? { id: r.audit_id, status: r.audit_status } : null,
});

const toOutbox = (r: OutboxRow): OutboxAction => ({
  id: r.id,
  createdAt: r.created_at,
  flag: { provider: r.provider, environment: r.environment, key: r.flag_key },
  kind: r.kind,
  payload: JSON.parse(r.payload_json) as Record<string, unknown>,
  idempotencyKey: r.idempotency_key,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at === null ? null : new Date(r.next_attempt_at).toISOString(),
  lastError: r.last_error,
  decisionId: r.decision_id,
  auditId: r.audit_id,
  confirmedAt: r.confirmed_at,
  claimedBy: r.claimed_by,
});

/** Filters of decision queries. */
export interface DecisionFilter {
  flag?: FlagRef;
  since?: string;
  action?: DecisionAction;
  limit?: number;
  /** Oldest first (exports) instead of newest first. */
  ascending?: boolean;
}

/** A new outbox action. */
export interface NewOutboxAction {
  flag: FlagRef;
  kind: OutboxAction['kind'];
  payload: Record<string, unknown>;
  idempotencyKey: string;
  decisionId: number | null;
  /** ms since epoch. */
  at: number;
  /** The process that will send it (claimed from the start), and until when (ms). */
  claim?: { owner: string; untilMs: number };
  /**
   * Journal an action being sent right now by its claimant (a direct operator change): status
   * `sent`, one attempt, not due before the claim expires — so only a crash leaves it for another
   * process to reconcile.
   */
  inFlight?: boolean;
}

/** Which due actions a process may send: its own claims, and — the monitor's process — orphans. */
export interface DrainScope {
  owner: string;
  /** Also actions whose claim expired or that were never claimed (a crashed process's). */
  orphans: boolean;
}

const DECISION_SELECT = `SELECT d.*, o.status AS outbox_status, a.status AS audit_status FROM decision d
  LEFT JOIN outbox o ON o.id = d.outbox_id LEFT JOIN audit a ON a.id = d.audit_id`;

/** Decision records and outbox actions on one database connection (see the module docs). */
export class JournalStore {
  readonly db: Db;
  private readonly sql: Sql;
  constructor(db: Db) {
    this.db = db;
    this.sql = statementCache(db);
  }

  /** Inserts a decision record; returns its id. */
  addDecision(d: Omit<DecisionRecord, 'id' | 'outbox' | 'audit'>): number {
    return Number(
      this.sql(
        `INSERT INTO decision (at, provider, environment, flag_key, stage_index, stage_name, actor, action, rule, rationale, inputs_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        d.at,
        d.flag.provider,
        d.flag.environment,
        d.flag.key,
        d.stageIndex,
        d.stageName,
        d.actor,
        d.action,
        d.rule,
        d.rationale,
        JSON.stringify(d.inputs),
      ).lastInsertRowid,
    );
  }

  linkDecision(decisionId: number, outboxId: number): void {
    this.sql(`UPDATE decision SET outbox_id = ? WHERE id = ?`).run(outboxId, decisionId);
  }

  /** Links a decision to the audit row of the direct flag change it made. */
  linkAudit(decisionId: number, auditId: number): void {
    this.sql(`UPDATE decision SET audit_id = ? WHERE id = ?`).run(auditId, decisionId);
  }

  decision(id: number): DecisionRecord | null {
    const r = this.sql(`${DECISION_SELECT} WHERE d.id = ?`).get(id) as DecisionRow | undefined;
    return r ? toDecision(r) : null;
  }

  /** Decisions matching `f`, newest first (oldest first with `ascending`). */
  decisions(f: DecisionFilter = {}): DecisionRecord[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (f.flag) {
      where.push('d.provider = ? AND d.environment = ? AND d.flag_key = ?');
      args.push(f.flag.provider, f.flag.environment, f.flag.key);
    }
    if (f.since) {
      where.push('d.at >= ?');
      args.push(new Date(f.since).toISOString());
    }
    if (f.action) {
      where.push('d.action = ?');
      args.push(f.action);
    }
    const order = f.ascending ? 'ASC' : 'DESC';
    const rows = this.sql(
      `${DECISION_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.id ${order} LIMIT ?`,
    ).all(...args, f.limit ?? 500) as DecisionRow[];
    return rows.map(toDecision);
  }

  /** The newest decision of a flag, or null. */
  lastDecision(flag: FlagRef): DecisionRecord | null {
    return this.decisions({ flag, limit: 1 })[0] ?? null;
  }

  /** Deletes all but the newest `keep` decisions; returns how many were deleted. */
  pruneDecisions(keep: number): number {
    const cut = this.sql(`SELECT id FROM decision ORDER BY id DESC LIMIT 1 OFFSET ?`).get(keep) as
      { id: number } | undefined;
    if (!cut) return 0;
    return this.sql(`DELETE FROM decision WHERE id <= ?`).run(cut.id).changes;
  }

  /**
   * Journals an action (status `pending`, due now). An action with the same idempotency key is
   * not duplicated: the existing one is returned.
   */
  enqueue(a: NewOutboxAction): OutboxAction {
    this.sql(
      `INSERT INTO outbox (created_at, provider, environment, flag_key, kind, payload_json, idempotency_key, status, attempts,
         next_attempt_at, decision_id, claimed_by, claim_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (idempotency_key) DO NOTHING`,
    ).run(
      new Date(a.at).toISOString(),
      a.flag.provider,
      a.flag.environment,
      a.flag.key,
      a.kind,
      JSON.stringify(a.payload),
      a.idempotencyKey,
      a.inFlight ? 'sent' : 'pending',
      a.inFlight ? 1 : 0,
      a.inFlight && a.claim ? a.claim.untilMs : a.at,
      a.decisionId,
      a.claim?.owner ?? null,
      a.claim?.untilMs ?? null,
    );
    return this.byKey(a.idempotencyKey) as OutboxAction;
  }

  /**
   * Claims an unfinished action for `owner` until `untilMs` (ms): when nobody holds it, its claim
   * expired, or `owner` holds it already. One statement, so two processes cannot both win.
   * @returns whether `owner` holds the claim now.
   */
  claim(id: number, owner: string, now: number, untilMs: number): boolean {
    return (
      this.sql(
        `UPDATE outbox SET claimed_by = ?, claim_expires_at = ?
         WHERE id = ? AND status IN ('pending', 'sent')
           AND (claimed_by IS NULL OR claimed_by = ? OR claim_expires_at IS NULL OR claim_expires_at <= ?)`,
      ).run(owner, untilMs, id, owner, now).changes === 1
    );
  }

  /** Gives up `owner`'s claims on unfinished actions (a clean shutdown: another process may take them at once). */
  releaseClaims(owner: string): number {
    return this.sql(
      `UPDATE outbox SET claimed_by = NULL, claim_expires_at = NULL WHERE claimed_by = ? AND status IN ('pending', 'sent')`,
    ).run(owner).changes;
  }

  /**
   * Gives up the claim on one action left in flight (`sent`) whose outcome is unknown, with the
   * error: the monitor's process reconciles it at its next drain, as after a crash mid-call.
   */
  releaseInFlight(id: number, error: string): void {
    this.sql(
      `UPDATE outbox SET claimed_by = NULL, claim_expires_at = NULL, last_error = ?, next_attempt_at = NULL
       WHERE id = ? AND status = 'sent'`,
    ).run(error, id);
  }

  /** Records the audit row of the provider call an action is making (before the call). */
  setActionAudit(id: number, auditId: number): void {
    this.sql(`UPDATE outbox SET audit_id = ? WHERE id = ?`).run(auditId, id);
  }

  byKey(key: string): OutboxAction | null {
    const r = this.sql(`SELECT * FROM outbox WHERE idempotency_key = ?`).get(key) as OutboxRow | undefined;
    return r ? toOutbox(r) : null;
  }

  action(id: number): OutboxAction | null {
    const r = this.sql(`SELECT * FROM outbox WHERE id = ?`).get(id) as OutboxRow | undefined;
    return r ? toOutbox(r) : null;
  }

  /**
   * Pending or sent actions due at `now` (ms) that `scope` may send, oldest first. `sent` ones
   * were interrupted mid-call (or are an orphan of a crashed process).
   */
  due(now: number, scope: DrainScope): OutboxAction[] {
    const rows = this.sql(
      `SELECT * FROM outbox WHERE status IN ('pending', 'sent') AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
         AND (claimed_by = ? OR (? = 1 AND (claimed_by IS NULL OR claim_expires_at IS NULL OR claim_expires_at <= ?)))
       ORDER BY id`,
    ).all(now, scope.owner, scope.orphans ? 1 : 0, now) as OutboxRow[];
    return rows.map(toOutbox);
  }

  /**
   * ms when the earliest unfinished action `scope` may send becomes due — its next attempt, or
   * for another process's claim, when that claim expires — or null.
   */
  nextDueAt(scope: DrainScope): number | null {
    const r = this.sql(
      `SELECT MIN(CASE WHEN claimed_by IS NULL OR claimed_by = ? THEN COALESCE(next_attempt_at, 0)
                       ELSE MAX(COALESCE(next_attempt_at, 0), COALESCE(claim_expires_at, 0)) END) AS t
       FROM outbox WHERE status IN ('pending', 'sent') AND (claimed_by = ? OR ? = 1)`,
    ).get(scope.owner, scope.owner, scope.orphans ? 1 : 0) as { t: number | null };
    return r.t;
  }

  countUnfinished(): number {
    return (
      this.sql(`SELECT COUNT(*) AS n FROM outbox WHERE status IN ('pending', 'sent')`).get() as { n: number }
    ).n;
  }

  /** Marks an attempt as started (status `sent`, attempts + 1) before the call goes out. */
  markSent(id: number): void {
    this.sql(`UPDATE outbox SET status = 'sent', attempts = attempts + 1 WHERE id = ?`).run(id);
  }

  /**
   * Back to `pending` with the next attempt at `nextAt` (ms) after a retryable failure; a claim is
   * kept until `claimUntil` (ms), so its process retries it — or, once that passes, another.
   */
  markRetry(id: number, error: string, nextAt: number, claimUntil?: number): void {
    this.sql(
      `UPDATE outbox SET status = 'pending', last_error = ?, next_attempt_at = ?,
         claim_expires_at = CASE WHEN claimed_by IS NULL THEN NULL ELSE COALESCE(?, claim_expires_at) END WHERE id = ?`,
    ).run(error, nextAt, claimUntil ?? null, id);
  }

  markConfirmed(id: number, at: string, auditId: number | null): void {
    this.sql(
      `UPDATE outbox SET status = 'confirmed', confirmed_at = ?, audit_id = COALESCE(?, audit_id), next_attempt_at = NULL WHERE id = ?`,
    ).run(at, auditId, id);
  }

  markFailed(id: number, error: string, auditId: number | null): void {
    this.sql(
      `UPDATE outbox SET status = 'failed', last_error = ?, audit_id = COALESCE(?, audit_id), next_attempt_at = NULL WHERE id = ?`,
    ).run(error, auditId, id);
  }

  /**
   * Fails the flag's not-yet-sent flag changes other than `keepId` (a rollback supersedes a stage
   * change waiting for a retry, which must not re-enable the flag afterwards). Returns how many.
   */
  supersede(flag: FlagRef, keepId: number, why: string): number {
    return this.sql(
      `UPDATE outbox SET status = 'failed', last_error = ?, next_attempt_at = NULL
       WHERE provider = ? AND environment = ? AND flag_key = ? AND kind = 'flag-change' AND status = 'pending' AND id != ?`,
    ).run(why, flag.provider, flag.environment, flag.key, keepId).changes;
  }

  /** Actions, newest first. */
  actions(f: { flag?: FlagRef; status?: OutboxStatus; limit?: number } = {}): OutboxAction[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (f.flag) {
      where.push('provider = ? AND environment = ? AND flag_key = ?');
      args.push(f.flag.provider, f.flag.environment, f.flag.key);
    }
    if (f.status) {
      where.push('status = ?');
      args.push(f.status);
    }
    const rows = this.sql(
      `SELECT * FROM outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
    ).all(...args, f.limit ?? 500) as OutboxRow[];
    return rows.map(toOutbox);
  }
}
