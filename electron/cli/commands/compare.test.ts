import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test/support/temp-dir.ts';

const RCR = path.resolve(import.meta.dirname, '../rcr.ts');
const tmp = tempDataDir('rcr-compare-');

function rcr(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', RCR, '--data-dir', tmp.dir, ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, lines: unknown[]): string {
  const p = path.join(tmp.dir, name);
  fs.writeFileSync(p, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return p;
}

const good = {
  id: 'errors',
  kind: 'binomial',
  control: { n: 10000, successes: 120 },
  treatment: { n: 1000, successes: 25 },
  alpha: 0.05,
  expectedSplit: [0.9, 0.1],
  sequential: true,
  direction: 'lower-is-better',
};
const latency = {
  id: 'latency',
  kind: 'continuous',
  control: { n: 5000, mean: 820, sd: 310 },
  treatment: { n: 5000, mean: 805, sd: 300 },
};

describe('rcr compare', { timeout: 30_000 }, () => {
  afterAll(() => tmp.cleanup());

  it('prints one JSON result per line, in input order', () => {
    const r = rcr(
      'compare',
      '--summary',
      file('ok.jsonl', [good, '', latency, { ...good, id: 'errors-fixed', sequential: false }]),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out.map((o) => o.id)).toEqual(['errors', 'latency', 'errors-fixed']);
    expect(Object.keys(out[0]!)).toEqual(['id', 'absolute', 'relative', 'srm', 'sequential', 'verdict']);
    // 1.2% → 2.5% errors: significant at a single look (p ≈ 0.010), not yet under the
    // always-valid sequence (p ≈ 0.19)
    expect(out[0]).toMatchObject({ verdict: 'inconclusive', srm: { mismatch: false } });
    expect((out[0]!.sequential as { pValue: number }).pValue).toBeGreaterThan(0.05);
    expect(out[2]).toMatchObject({ verdict: 'worse', sequential: null });
    expect(out[1]).toMatchObject({ srm: null, sequential: null });
    expect((out[1]!.absolute as { ci: number[] }).ci).toHaveLength(2);
  });

  it('a bad line: exit 1, "line N: field: problem", nothing on stdout', () => {
    const bad = { ...good, treatment: { n: 10, successes: 12 } };
    const r = rcr('compare', '--summary', file('bad.jsonl', [good, latency, bad, latency]));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('rcr: line 3: treatment.successes: 12 > treatment.n (10)\n');
    const r2 = rcr('compare', '--summary', file('json.jsonl', [good, '{"id":']));
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/^rcr: line 2: not valid JSON/);
  });

  it('usage errors exit 2; a missing file exits 1', () => {
    expect(rcr('compare').code).toBe(2);
    const r = rcr('compare', '--summary', path.join(tmp.dir, 'missing.jsonl'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ENOENT/);
  });
});
