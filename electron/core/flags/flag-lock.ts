/**
 * One change to a flag at a time, across the processes sharing the data folder: an in-process
 * queue per flag, then the SQLite lease `flag:<provider>/<environment>/<key>` (table `lease`),
 * renewed while held (docs/architecture.md, "Processes").
 */
import { flagId, type FlagRef } from '../../../shared/domain.ts';
import type { Leases } from '../db/leases.ts';
import { CoreError } from '../errors.ts';

/** How long a flag lease lasts without renewal, ms (renewed every third of it while held). */
export const FLAG_LEASE_MS = 30_000;
/** How long a change waits for another process's change of the same flag, ms (real time). */
export const FLAG_WAIT_MS = 60_000;
/**
 * How long the journal row of a direct change stays claimed by the process sending it, ms; after
 * it, a crashed process's row is reconciled by the monitor's process. A live but slow call is safe
 * past it: the reconciliation needs the flag's lease, which the sending process keeps renewing.
 */
export const DIRECT_CLAIM_MS = 30_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Holds flags for changes: the in-process queue and the cross-process lease. */
export class FlagLock {
  private readonly leases: Leases;
  /** The change queued last per flag (`provider/environment/key`) in this process. */
  private readonly queues = new Map<string, Promise<unknown>>();

  /** @param leases the leases of this process. */
  constructor(leases: Leases) {
    this.leases = leases;
  }

  /**
   * Runs `fn` holding the flag: after the changes of it queued earlier in this process, and under
   * the SQLite lease `flag:<id>` (so no other process changes it meanwhile), renewed while `fn`
   * runs and released after. `fn` gets whether it had to wait for another change.
   * @throws CoreError CONFLICT when another process held the flag for {@link FLAG_WAIT_MS}.
   */
  hold<T>(ref: FlagRef, fn: (waited: boolean) => Promise<T>): Promise<T> {
    const id = flagId(ref);
    const before = this.queues.get(id);
    let waited = before !== undefined;
    const run = (before ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        const { leases } = this;
        const name = `flag:${id}`;
        const giveUpAt = Date.now() + FLAG_WAIT_MS;
        while (!leases.acquire(name, FLAG_LEASE_MS)) {
          waited = true;
          if (Date.now() > giveUpAt)
            throw new CoreError(
              'CONFLICT',
              `another process (${leases.holder(name)?.owner ?? 'unknown'}) has been changing "${ref.key}" for over ${FLAG_WAIT_MS / 1000} s; try again`,
            );
          await sleep(100);
        }
        const renew = setInterval(() => leases.acquire(name, FLAG_LEASE_MS), FLAG_LEASE_MS / 3);
        renew.unref();
        try {
          return await fn(waited);
        } finally {
          clearInterval(renew);
          leases.release(name);
        }
      });
    this.queues.set(id, run);
    void run
      .finally(() => {
        if (this.queues.get(id) === run) this.queues.delete(id);
      })
      .catch(() => undefined);
    return run;
  }
}
