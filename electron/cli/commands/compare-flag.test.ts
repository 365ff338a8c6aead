import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../../core/app-core.ts';
import { tempDataDir } from '../../../test/support/temp-dir.ts';

const RCR = path.resolve(import.meta.dirname, '../rcr.ts');
const tmp = tempDataDir('rcr-compare-flag-');
const dataDir = path.join(tmp.dir, 'data');
const FLAG = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };

function rcr(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', RCR, '--data-dir', dataDir, ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  // control 5% errors, treatment 10%, 2000 units each, over the last 20 minutes
  const start = Date.now() - 20 * 60_000;
  const lines = ['timestamp,unit_id,flag_key,variant,metric,value'];
  for (const [variant, every] of [
    ['control', 20],
    ['treatment', 10],
  ] as const)
    for (let i = 0; i < 2000; i++)
      lines.push(
        `${start + i * 600},${variant}-${i},${FLAG.key},${variant},errors,${i % every === 0 ? 1 : 0}`,
      );
  const file = path.join(tmp.dir, 'events.csv');
  fs.writeFileSync(file, lines.join('\n'));
  const core = await openCore({ dataDir, startSync: false, resourcesDir: path.join(tmp.dir, 'none') });
  try {
    for (const r of [
      // the flag cache knows the flag after a sync (the command itself never syncs)
      await core.invoke('sync.now', {}),
      await core.invoke('metrics.importEvents', { path: file, provider: 'local', environment: 'production' }),
      await core.invoke('metrics.define', {
        flag: FLAG,
        name: 'errors',
        kind: 'binomial',
        direction: 'lower-is-better',
        source: { type: 'events' },
        expectedSplit: [0.5, 0.5],
      }),
      await core.invoke('metrics.define', {
        flag: FLAG,
        name: 'latency',
        kind: 'continuous',
        direction: 'lower-is-better',
        source: { type: 'events' },
      }),
    ])
      if (!r.ok) throw new Error(r.error.message);
  } finally {
    await core.close();
  }
});
afterAll(() => tmp.cleanup());

describe('rcr compare --flag', { timeout: 30_000 }, () => {
  it('compares the stored rollups of every metric of the flag (--json)', () => {
    const r = rcr(
      'compare',
      '--flag',
      FLAG.key,
      '--env',
      'production',
      '--window',
      '1h',
      '--fixed',
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      flag: typeof FLAG;
      rows: Array<{
        metric: { name: string };
        verdict: string;
        sequential: unknown;
        absolute: { ci: number[] };
      }>;
    };
    expect(out.flag).toEqual(FLAG);
    const by = Object.fromEntries(out.rows.map((x) => [x.metric.name, x]));
    expect(by.errors).toMatchObject({ verdict: 'worse', sequential: null });
    expect(by.errors!.absolute.ci[0]).toBeGreaterThan(0);
    expect(by.latency).toMatchObject({ verdict: 'insufficient' });
  });

  it('--metric narrows to one metric; text output by default', () => {
    const j = rcr('compare', '--flag', FLAG.key, '--env', 'production', '--metric', 'errors', '--json');
    expect(j.code).toBe(0);
    expect((JSON.parse(j.stdout) as { rows: unknown[] }).rows).toHaveLength(1);
    const t = rcr('compare', '--flag', FLAG.key, '--provider', 'local', '--env', 'production');
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^errors\s+worse\s+Δ 0\.05\s+treatment is worse than control/m);
  });

  it('bad --window is a usage error; an unknown metric or flag exits 1', () => {
    expect(rcr('compare', '--flag', FLAG.key, '--env', 'production', '--window', '5 weeks').code).toBe(2);
    const m = rcr('compare', '--flag', FLAG.key, '--env', 'production', '--metric', 'nope');
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/no metric "nope"/);
    expect(rcr('compare', '--flag', 'no-such-flag').code).toBe(1);
    expect(rcr('compare', '--flag', FLAG.key, '--env', 'production', '--summary', 'x.jsonl').code).toBe(2);
  });
});
