/**
 * Issue 15: one action per flag at a time, across the processes sharing a data folder; outbox
 * actions are sent only by the process that claimed them (reading processes send nothing); an
 * operator's direct change interrupted mid-call is reconciled by the monitor's process.
 *
 * Two cores opened on one folder stand for two processes (each has its own owner id, queue and
 * SQLite connection). The embedded provider is wrapped to count, delay or hang its writes.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppCore, CoreOptions } from '../app-core.ts';
import { createProvider } from '../providers/registry.ts';
import { ProviderError, type FlagProvider } from '../providers/provider.ts';
import { fail, ok, openTestCore } from '../../../test/support/core-fixtures.ts';
import { tempDataDir } from '../../../test/support/temp-dir.ts';
import { CLAIM_MS } from '../rollout/outbox.ts';
import { DIRECT_CLAIM_MS, FLAG_LEASE_MS } from './flag-lock.ts';

const FLAG = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
const T0 = Date.parse('2026-03-02T09:00:00Z');

let tmp: ReturnType<typeof tempDataDir>;
let clock: number;
const cores: AppCore[] = [];

/** Controls a wrapped provider's writes: counts them, delays them, or lets one hang after (or before) writing. */
interface WriteControl {
  writes: number;
  delayMs: number;
  /** Hang the next write forever, after the inner write (`after`) or before it (`before`). */
  hang: 'after' | 'before' | null;
  /** Resolves when a hanging write has reached its hang. */
  hung: Promise<void>;
  markHung: () => void;
  /**
   * Fail the next write: `no-answer` after the inner write (applied, the answer lost: a timeout),
   * `http-500` before it (refused).
   */
  fail: 'no-answer' | 'http-500' | 'refused' | null;
  /** Reads (`getFlag`) that fail with HTTP 503 after the next write; reads after a write. */
  failReadsAfterWrite: number;
  readsAfterWrite: number;
}

function control(): WriteControl {
  let markHung = () => undefined as void;
  const hung = new Promise<void>((r) => (markHung = r));
  return {
    writes: 0,
    delayMs: 0,
    hang: null,
    hung,
    markHung,
    fail: null,
    failReadsAfterWrite: 0,
    readsAfterWrite: 0,
  };
}

function wrapped(ctl: WriteControl): CoreOptions['providerFactory'] {
  return (cfg, db, env, now) => {
    const inner = createProvider(cfg, db, env, now);
    const p: FlagProvider = {
      ...inner,
      name: inner.name,
      kind: inner.kind,
      url: inner.url,
      capabilities: () => inner.capabilities(),
      getFlag: async (environment, key) => {
        if (ctl.writes > 0) {
          ctl.readsAfterWrite++;
          if (ctl.failReadsAfterWrite > 0) {
            ctl.failReadsAfterWrite--;
            throw new ProviderError('HTTP 503 from the provider', 503);
          }
        }
        return inner.getFlag(environment, key);
      },
      executePlan: async (plan, reason, actor) => {
        ctl.writes++;
        if (ctl.fail === 'refused') {
          ctl.fail = null;
          throw new ProviderError('Cannot reach the provider (ECONNREFUSED)', null, null, true);
        }
        if (ctl.fail === 'http-500') {
          ctl.fail = null;
          throw new ProviderError('HTTP 500 from the provider', 500);
        }
        if (ctl.fail === 'no-answer') {
          ctl.fail = null;
          await inner.executePlan(plan, reason, actor);
          throw new ProviderError('no answer from the provider within 5000 ms');
        }
        if (ctl.delayMs) await new Promise((r) => setTimeout(r, ctl.delayMs));
        if (ctl.hang === 'before') {
          ctl.hang = null;
          ctl.markHung();
          return new Promise(() => undefined);
        }
        const out = await inner.executePlan(plan, reason, actor);
        if (ctl.hang === 'after') {
          ctl.hang = null;
          ctl.markHung();
          return new Promise(() => undefined);
        }
        return out;
      },
    };
    return p;
  };
}

async function open(ctl: WriteControl, over: Partial<CoreOptions> = {}): Promise<AppCore> {
  const c = await openTestCore(path.join(tmp.dir, 'data'), () => clock, {
    providerFactory: wrapped(ctl),
    ...over,
  });
  cores.push(c);
  return c;
}

beforeEach(() => {
  tmp = tempDataDir('rcr-leases-');
  clock = T0;
});
afterEach(async () => {
  for (const c of cores.splice(0)) if (c.db.open) c.db.close();
  tmp.cleanup();
});

describe('one change per flag at a time', () => {
  it('20 parallel kills in one process: one provider write, one succeeded audit row, one answer', async () => {
    const ctl = control();
    ctl.delayMs = 50;
    const core = await open(ctl);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        core.invoke('flag.rollback', { ref: FLAG, mode: 'kill', reason: `page ${i}` }),
      ),
    );
    expect(ctl.writes).toBe(1);
    expect(results.every((r) => r.ok)).toBe(true);
    const ids = new Set(results.map((r) => (r.ok ? r.value.audit.id : -1)));
    expect(ids.size).toBe(1);
    const audit = (await ok(core.invoke('flag.get', FLAG))).audit;
    expect(audit.filter((a) => a.status === 'succeeded' && a.action === 'kill')).toHaveLength(1);
    expect(audit.filter((a) => a.status === 'pending')).toEqual([]);
  });

  it('two processes kill at once: one provider write; the other gets the first result', async () => {
    const ctlA = control();
    const ctlB = control();
    ctlA.delayMs = 100;
    ctlB.delayMs = 100;
    const a = await open(ctlA);
    const b = await open(ctlB);
    const [ra, rb] = await Promise.all([
      a.invoke('flag.rollback', { ref: FLAG, mode: 'kill', reason: 'seen in A' }),
      b.invoke('flag.rollback', { ref: FLAG, mode: 'kill', reason: 'seen in B' }),
    ]);
    expect(ctlA.writes + ctlB.writes).toBe(1);
    expect(ra.ok && rb.ok).toBe(true);
    if (ra.ok && rb.ok) expect(ra.value.audit.id).toBe(rb.value.audit.id);
  });

  it('a different change waits for the first and then runs on the fresh state', async () => {
    const ctl = control();
    ctl.delayMs = 30;
    const core = await open(ctl);
    const [kill, set] = await Promise.all([
      core.invoke('flag.rollback', { ref: FLAG, mode: 'kill', reason: 'bad answers' }),
      core.invoke('flag.applyChange', { ref: FLAG, patch: { rolloutPercent: 5 }, reason: 'smaller' }),
    ]);
    expect(kill.ok && set.ok).toBe(true);
    expect(ctl.writes).toBe(2);
    expect((await ok(core.invoke('flag.get', FLAG))).flag.layers).toMatchObject({
      enabled: false,
      rolloutPercent: 5,
    });
  });
});

describe('outbox claims: only the claimant sends', () => {
  it("a reading process opened during another process's in-flight rollback sends nothing", async () => {
    const ctlA = control();
    ctlA.delayMs = 300;
    const a = await open(ctlA);
    const pending = a.invoke('rollout.rollback', { flag: FLAG, reason: 'incident', target: 'kill' });
    await pending;
    // A is sending it now (300 ms). B: a CLI read (`rcr flags list --offline`) on the same folder.
    const ctlB = control();
    const b = await open(ctlB);
    await ok(b.invoke('fleet.list', {}));
    await b.rollouts.outbox.drain();
    await a.rollouts.outbox.idle();
    expect(ctlB.writes).toBe(0);
    expect(ctlA.writes).toBe(1);
    const [action] = (await ok(a.invoke('outbox.list', { flag: FLAG }))).filter(
      (x) => x.kind === 'flag-change',
    );
    expect(action).toMatchObject({ status: 'confirmed', attempts: 1 });
  });

  it('the monitor process takes over an action whose process died, once its claim expires', async () => {
    const ctlA = control();
    ctlA.hang = 'before';
    const a = await open(ctlA);
    await ok(a.invoke('rollout.rollback', { flag: FLAG, reason: 'incident', target: 'kill' }));
    await ctlA.hung; // A's call never returns: A "dies" here
    a.db.prepare(`DELETE FROM lease WHERE owner LIKE ?`).run(`%`); // its leases are not renewed any more
    const ctlB = control();
    const b = await open(ctlB);
    expect(b.leadership.acquire()).toBe(true);
    await b.rollouts.outbox.drain();
    expect(ctlB.writes).toBe(0); // A's claim has not expired yet
    clock += CLAIM_MS + 1000 + FLAG_LEASE_MS;
    await b.rollouts.outbox.drain();
    expect(ctlB.writes).toBe(1);
    expect((await ok(b.invoke('flag.get', FLAG))).flag.layers.enabled).toBe(false);
    const audit = (await ok(b.invoke('flag.get', FLAG))).audit;
    expect(audit.filter((x) => x.status === 'pending')).toEqual([]);
    expect(audit.find((x) => x.status === 'failed')?.error).toMatch(/interrupted mid-call/);
  });
});

describe('a direct change interrupted mid-call', () => {
  it('the write reached the provider: the next monitor process confirms it without a second write', async () => {
    const ctlA = control();
    ctlA.hang = 'after';
    const a = await open(ctlA);
    void a.invoke('flag.rollback', { ref: FLAG, mode: 'kill', reason: 'wrong answers' });
    await ctlA.hung;
    a.db.prepare(`DELETE FROM lease`).run();
    const ctlB = control();
    const b = await open(ctlB);
    expect((await ok(b.invoke('flag.get', FLAG))).audit[0]).toMatchObject({ status: 'pending' });
    expect(b.leadership.acquire()).toBe(true);
    clock += DIRECT_CLAIM_MS + 1000;
    await b.rollouts.outbox.drain();
    expect(ctlB.writes).toBe(0);
    const f = await ok(b.invoke('flag.get', FLAG));
    expect(f.flag.layers.enabled).toBe(false);
    expect(f.audit[0]).toMatchObject({ status: 'succeeded', action: 'kill', actor: 'tester' });
    const [incident] = await ok(b.invoke('incidents.list', {}));
    expect(incident).toMatchObject({ kind: 'killed', openedBy: 'tester', state: 'open' });
    const [d] = await ok(b.invoke('decisions.list', { flag: FLAG }));
    expect(d).toMatchObject({
      action: 'kill',
      outbox: { status: 'confirmed' },
      audit: { status: 'succeeded' },
    });
  });

  it('the write never reached the provider: it is sent once more and confirmed', async () => {
    const ctlA = control();
    ctlA.hang = 'before';
    const a = await open(ctlA);
    void a.invoke('flag.rollback', { ref: FLAG, mode: 'kill', reason: 'wrong answers' });
    await ctlA.hung;
    a.db.prepare(`DELETE FROM lease`).run();
    const ctlB = control();
    const b = await open(ctlB);
    expect(b.leadership.acquire()).toBe(true);
    clock += DIRECT_CLAIM_MS + 1000;
    await b.rollouts.outbox.drain();
    expect(ctlB.writes).toBe(1);
    const f = await ok(b.invoke('flag.get', FLAG));
    expect(f.flag.layers.enabled).toBe(false);
    expect(f.audit.map((x) => x.status)).toEqual(['succeeded', 'failed']);
    expect(f.audit[1]!.error).toMatch(/interrupted mid-call/);
  });

  it('a reading process that is not the monitor leaves it alone', async () => {
    const ctlA = control();
    ctlA.hang = 'before';
    const a = await open(ctlA);
    void a.invoke('flag.rollback', { ref: FLAG, mode: 'kill', reason: 'wrong answers' });
    await ctlA.hung;
    a.db.prepare(`DELETE FROM lease`).run();
    const ctlB = control();
    const b = await open(ctlB);
    clock += DIRECT_CLAIM_MS + 1000;
    await b.rollouts.outbox.drain();
    expect(ctlB.writes).toBe(0);
    expect(await fail(b.invoke('flag.restore', { ref: FLAG, reason: 'oops' }))).toMatchObject({
      code: 'BAD_INPUT',
    });
  });
});

describe('a direct change whose outcome the answer did not tell', () => {
  it('the write was accepted but the re-read failed: read once more, and it is confirmed', async () => {
    const ctl = control();
    ctl.failReadsAfterWrite = 1;
    const core = await open(ctl);
    const r = await ok(core.invoke('flag.rollback', { ref: FLAG, mode: 'kill', reason: 'wrong answers' }));
    expect(r.audit).toMatchObject({ status: 'succeeded', confirmed: { enabled: false } });
    expect(ctl.writes).toBe(1);
    expect(ctl.readsAfterWrite).toBe(2);
  });

  it('no answer and no re-read: the audit row stays pending, and the monitor process confirms it without a second write', async () => {
    const ctl = control();
    ctl.fail = 'no-answer';
    ctl.failReadsAfterWrite = 1; // the one re-read after the lost answer
    const core = await open(ctl);
    const e = await fail(core.invoke('flag.rollback', { ref: FLAG, mode: 'kill', reason: 'wrong answers' }));
    expect(e.code).toBe('PROVIDER_ERROR');
    expect(e.message).toMatch(
      /no answer .*; whether the change reached the provider is unknown .* \(audit #\d+: pending\)/,
    );
    expect((await ok(core.invoke('flag.get', FLAG))).audit[0]).toMatchObject({ status: 'pending' });
    // The journal row is in flight and nobody claims it: the monitor's process reconciles it now.
    expect(core.leadership.acquire()).toBe(true);
    await core.rollouts.outbox.drain();
    expect(ctl.writes).toBe(1);
    const f = await ok(core.invoke('flag.get', FLAG));
    expect(f.flag.layers.enabled).toBe(false);
    expect(f.audit.map((a) => a.status)).toEqual(['succeeded']);
    const [d] = await ok(core.invoke('decisions.list', { flag: FLAG }));
    expect(d).toMatchObject({ outbox: { status: 'confirmed' }, audit: { status: 'succeeded' } });
  });

  it.each([
    ['an HTTP error answer', 'http-500', /HTTP 500 .*\(audit #\d+: failed\)/],
    ['a refused connection', 'refused', /ECONNREFUSED.*\(audit #\d+: failed\)/],
  ] as const)('%s is a refusal: failed at once, nothing re-read', async (_, mode, message) => {
    const ctl = control();
    ctl.fail = mode;
    const core = await open(ctl);
    const e = await fail(core.invoke('flag.rollback', { ref: FLAG, mode: 'kill', reason: 'wrong answers' }));
    expect(e.message).toMatch(message);
    expect(ctl.readsAfterWrite).toBe(0);
    expect((await ok(core.invoke('flag.get', FLAG))).audit[0]).toMatchObject({ status: 'failed' });
  });
});

describe('no audit row stays pending', () => {
  it('a pending audit row no journaled action will complete is closed as interrupted by the monitor process', async () => {
    const ctl = control();
    const core = await open(ctl);
    // An audit row left pending by a process of an earlier version (no outbox row links it).
    core.db
      .prepare(
        `INSERT INTO audit (at, actor, provider, environment, flag_key, action, reason, patch_json, request_json, status, before_json)
         VALUES (?, 'old', 'local', 'production', 'ai-answer-assist', 'kill', 'old kill', '{"enabled":false}', 'null', 'pending', NULL)`,
      )
      .run(new Date(clock).toISOString());
    clock += DIRECT_CLAIM_MS + FLAG_LEASE_MS + 1000;
    expect(core.actions.closeAbandoned()).toBe(1);
    const [a] = (await ok(core.invoke('flag.get', FLAG))).audit;
    expect(a).toMatchObject({ status: 'failed', reason: 'old kill' });
    expect(a!.error).toMatch(/interrupted/);
    expect(core.actions.closeAbandoned()).toBe(0);
  });
});
