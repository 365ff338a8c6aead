/**
 * The monitor lease of a data folder: of the processes sharing it (the desktop app, `rcr serve`,
 * `rcr monitor`), exactly one evaluates guardrails and gates on the monitor's schedule and takes
 * over orphaned outbox actions (rollout/outbox.ts). The holder renews the lease every third of its
 * time to live; a process that dies stops renewing, and another takes the lease once it expires.
 */
import type { Leases } from '../db/leases.ts';

/** The lease's name. */
export const MONITOR_LEASE = 'monitor';
/** Time to live of the monitor lease without renewal, ms. */
export const MONITOR_LEASE_MS = 30_000;

/**
 * This process's hold on the monitor lease (see the module docs); time to live
 * {@link MONITOR_LEASE_MS} ms by default.
 */
export class Leadership {
  private readonly leases: Leases;
  private readonly ttlMs: number;
  private renew: NodeJS.Timeout | null = null;
  private standby: NodeJS.Timeout | null = null;
  private isHeld = false;

  constructor(leases: Leases, ttlMs = MONITOR_LEASE_MS) {
    this.leases = leases;
    this.ttlMs = ttlMs;
  }

  /** Called when a renewal finds the lease taken by another process (this one stalled too long). */
  private onLost: (() => void) | null = null;

  /** Takes (or renews) the lease; keeps renewing it while held. @returns whether this process holds it. */
  acquire(): boolean {
    let got = false;
    try {
      got = this.leases.acquire(MONITOR_LEASE, this.ttlMs);
    } catch {
      // A busy database: keep what we had until the lease's own expiry decides.
      return this.isHeld;
    }
    this.isHeld = got;
    if (got && !this.renew) {
      this.renew = setInterval(() => {
        if (this.acquire()) return;
        this.stopRenewing();
        this.onLost?.();
      }, this.ttlMs / 3);
      this.renew.unref();
    }
    return got;
  }

  /**
   * Becomes the leader now or as soon as the lease is free (retried every third of its time to
   * live) and calls `onLeader` when it does; should the lease be lost later (this process
   * stalled past its expiry and another took it), calls `onLost` and campaigns again.
   */
  campaign(onLeader: () => void, onLost: () => void = () => undefined): void {
    this.onLost = () => {
      onLost();
      this.campaign(onLeader, onLost);
    };
    if (this.acquire()) {
      onLeader();
      return;
    }
    if (this.standby) clearInterval(this.standby);
    this.standby = setInterval(() => {
      if (this.acquire()) {
        if (this.standby) clearInterval(this.standby);
        this.standby = null;
        onLeader();
      }
    }, this.ttlMs / 3);
    this.standby.unref();
  }

  /** True while this process holds the lease (as of its last renewal). */
  held(): boolean {
    return this.isHeld;
  }

  /** The process holding the lease now (`host:pid:…`), or null. */
  holder(): string | null {
    try {
      return this.leases.holder(MONITOR_LEASE)?.owner ?? null;
    } catch {
      return null;
    }
  }

  private stopRenewing(): void {
    if (this.renew) clearInterval(this.renew);
    this.renew = null;
    this.isHeld = false;
  }

  /** Stops campaigning and renewing, and gives the lease up (a clean shutdown). */
  release(): void {
    this.onLost = null;
    if (this.standby) clearInterval(this.standby);
    this.standby = null;
    const held = this.isHeld;
    this.stopRenewing();
    if (held)
      try {
        this.leases.release(MONITOR_LEASE);
      } catch {
        // it expires by itself
      }
  }
}
