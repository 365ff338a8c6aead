/**
 * Issue 15, observed item 1: another process holds the SQLite write lock of the data folder for 35 s
 * (`BEGIN IMMEDIATE` on rcr.db from another connection). `rcr serve` and `rcr monitor`, sharing that
 * folder, must wait it out — their background sync, monitor ticks and failure paths get
 * `SQLITE_BUSY` — and still be alive and answering afterwards: the server answers a contract call,
 * the monitor prints new ticks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../support/core-fixtures.ts';
import { metricDef } from '../support/metric-fixtures.ts';
import { errorRateGuardrail } from '../support/core-fixtures.ts';
import { openCore } from '../../electron/core/app-core.ts';
import { tempDataDir } from '../support/temp-dir.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FLAG = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
const HOLD_MS = 35_000;

/** A child `rcr` process with its output collected. */
interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
}

function rcr(dataDir: string, args: string[]): Proc {
  const child = spawn(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      path.join(ROOT, 'electron/cli/rcr.ts'),
      '--data-dir',
      dataDir,
      ...args,
    ],
    { cwd: ROOT, env: { ...process.env, RCR_ACTOR: 'busy-test' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return { child, stdout: () => out, stderr: () => err };
}

/** Resolves when `test()` holds, polling every 100 ms; rejects after `ms` with `what`. */
async function until(test: () => boolean, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ticks = (p: Proc): number =>
  p
    .stdout()
    .split('\n')
    .filter((l) => /flag\(s\),/.test(l)).length;

describe('a data folder whose write lock another process holds for 35 s', () => {
  const tmp = tempDataDir('rcr-busy-');
  const dataDir = path.join(tmp.dir, 'data');
  let serve: Proc | null = null;
  let monitor: Proc | null = null;

  beforeAll(async () => {
    fs.mkdirSync(dataDir, { recursive: true });
    // Sync every second, so the background sync meets the lock many times. The monitor runs in
    // `rcr monitor` alone: `rcr serve` does not campaign for the monitor lease (which expires while
    // the lock is held; who takes it over afterwards is tested in action-leases tests).
    fs.writeFileSync(
      path.join(dataDir, 'config.json'),
      JSON.stringify({
        version: 1,
        syncIntervalMs: 1000,
        providers: [{ name: 'local', kind: 'local' }],
        rollouts: { monitor: false },
      }),
      { mode: 0o600 },
    );
    // A guardrail, so every monitor tick evaluates (and writes) something.
    const core = await openCore({ dataDir, startSync: false, env: {} });
    await core.sync.syncAll();
    await ok(core.invoke('metrics.define', metricDef(FLAG)));
    await ok(core.invoke('guardrails.define', errorRateGuardrail(FLAG)));
    await core.close();
  });
  afterAll(async () => {
    for (const p of [serve, monitor])
      if (p && p.child.exitCode === null && p.child.signalCode === null) {
        const exited = new Promise((r) => p.child.once('exit', r));
        p.child.kill('SIGTERM');
        await exited;
      }
    tmp.cleanup();
  });

  it('rcr serve and rcr monitor wait it out and keep answering', { timeout: 90_000 }, async () => {
    serve = rcr(dataDir, ['serve', '--port', '0']);
    monitor = rcr(dataDir, ['monitor', '--interval', '5s']);
    const s = serve;
    const m = monitor;
    await until(
      () => /^RCR_URL=\S+$/m.test(s.stdout()),
      30_000,
      () => `rcr serve did not start: ${s.stderr()}`,
    );
    await until(
      () => ticks(m) >= 1,
      30_000,
      () => `rcr monitor printed no tick: ${m.stdout()} ${m.stderr()}`,
    );
    const url = new URL(/^RCR_URL=(\S+)$/m.exec(s.stdout())![1]!);
    const call = async (): Promise<{ ok: boolean }> => {
      const res = await fetch(`${url.origin}/api/invoke/fleet.list`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-rcr-token': url.searchParams.get('token')! },
        body: '{}',
        signal: AbortSignal.timeout(15_000),
      });
      return (await res.json()) as { ok: boolean };
    };
    expect((await call()).ok).toBe(true);

    // Another process takes the write lock and keeps it for 35 s.
    const holder = new Database(path.join(dataDir, 'rcr.db'));
    holder.exec('BEGIN IMMEDIATE');
    const heldAt = Date.now();
    const alive = (p: Proc): boolean => p.child.exitCode === null && p.child.signalCode === null;
    let heldCall: { ok: boolean; ms: number } | null = null;
    try {
      while (Date.now() - heldAt < HOLD_MS) {
        await new Promise((r) => setTimeout(r, 500));
        if (!alive(s) || !alive(m)) break;
        if (!heldCall && Date.now() - heldAt > 15_000) {
          // Reads are answered while the lock is held (WAL readers do not wait for the writer).
          const t = Date.now();
          heldCall = { ok: (await call()).ok, ms: Date.now() - t };
        }
      }
    } finally {
      holder.exec('COMMIT');
      holder.close();
    }
    expect(alive(s), `rcr serve died: ${s.stderr()}`).toBe(true);
    expect(alive(m), `rcr monitor died: ${m.stderr()}`).toBe(true);
    expect(heldCall?.ok, 'a contract call while the lock was held').toBe(true);
    // The lock did reach the monitor: its ticks failed, were reported, and it went on.
    expect(m.stderr()).toMatch(/tick failed \(1 in a row\): database is locked/);

    // Afterwards: the server answers, the monitor prints new ticks.
    expect((await call()).ok).toBe(true);
    const before = ticks(m);
    await until(
      () => ticks(m) > before,
      20_000,
      () => `rcr monitor printed no tick after the lock was released: ${m.stderr()}`,
    );
    expect(alive(s) && alive(m)).toBe(true);
  });
});
