/**
 * Every `rcr` command has an overall deadline for its provider calls (`RCR_DEADLINE`, default 20 s;
 * issue 15, item 10): against a provider that answers each request in 4 s — inside its 5 s
 * per-request timeout — `rcr flags list` shows the cached flags and `rcr rollback` fails with an
 * error naming the deadline, both within the deadline (plus the CLI's start-up), not after
 * dozens of seconds.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceHandler } from '../../examples/reference-flag-server/src/server.ts';
import { FlagStore, type FlagSeed } from '../../examples/reference-flag-server/src/store.ts';
import { tempDataDir } from '../../test/support/temp-dir.ts';

const RCR = path.resolve(import.meta.dirname, 'rcr.ts');
const TOKEN = 'deadline-test-token';
const SEED = JSON.parse(
  fs.readFileSync(
    path.resolve(import.meta.dirname, '../../examples/reference-flag-server/seed.json'),
    'utf8',
  ),
) as { flags: FlagSeed[] };

const tmp = tempDataDir('rcr-deadline-');
let server: http.Server;
let slowMs = 0;

/** Runs the CLI in a child process; resolves with its exit code, output and wall time (ms). */
function rcr(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', RCR, '--data-dir', tmp.dir, ...args],
      { env: { ...process.env, INHOUSE_TOKEN: TOKEN, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) =>
      resolve({ code: code ?? 1, stdout, stderr, ms: performance.now() - started }),
    );
  });
}

beforeAll(async () => {
  const handler = createReferenceHandler({ token: TOKEN, store: new FlagStore({ seed: SEED.flags }) });
  server = http.createServer((req, res) => {
    if (slowMs) setTimeout(() => handler(req, res), slowMs).unref();
    else handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fs.writeFileSync(
    path.join(tmp.dir, 'config.json'),
    JSON.stringify({
      version: 1,
      providers: [{ name: 'inhouse', kind: 'http', url, tokenEnv: 'INHOUSE_TOKEN' }],
    }),
    { mode: 0o600 },
  );
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  tmp.cleanup();
});

describe('rcr: one deadline for all provider calls of a command', { timeout: 60_000 }, () => {
  it('flags list and rollback against a slow provider stop at the deadline and say so', async () => {
    const synced = await rcr({}, 'sync');
    expect(synced.code, synced.stderr).toBe(0);

    slowMs = 4000;
    const list = await rcr({ RCR_DEADLINE: '3s' }, 'flags', 'list', '--json');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stderr).toMatch(
      /1\.5 s deadline for the provider calls of the sync before this command passed \(half of the command's 3 s deadline; set RCR_DEADLINE to change it\)/,
    );
    const rows = JSON.parse(list.stdout) as Array<{ key: string; stale: boolean }>;
    expect(rows.find((r) => r.key === 'ai-churn-nudges')).toMatchObject({ stale: true });
    // Start-up of the CLI (~1–2 s) plus the 3 s deadline; without it: one 4 s answer per page.
    expect(list.ms).toBeLessThan(3000 + 4000);

    const rollback = await rcr(
      { RCR_DEADLINE: '3s' },
      'rollback',
      'ai-churn-nudges',
      '--provider',
      'inhouse',
      '--env',
      'production',
      '--mode',
      'kill',
      '--reason',
      'deadline test',
      '--yes',
    );
    expect(rollback.code).toBe(1);
    expect(rollback.stderr).toMatch(
      /the 3 s deadline for the provider calls of this command passed \(set RCR_DEADLINE to change it\)/,
    );
    expect(rollback.ms).toBeLessThan(3000 + 4000);
  });

  it('refuses a malformed RCR_DEADLINE', async () => {
    slowMs = 0;
    const r = await rcr({ RCR_DEADLINE: 'soon' }, 'flags', 'list', '--offline');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/RCR_DEADLINE must look like 20s, 90s or 2m, got "soon"/);
  });
});
