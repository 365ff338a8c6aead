import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../test/support/temp-dir.ts';

const RCR = path.resolve(import.meta.dirname, 'rcr.ts');
const tmp = tempDataDir('rcr-cli-');

/** Runs the real CLI in a child process (no TTY on stdin). */
function rcr(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', RCR, '--data-dir', tmp.dir, ...args],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

describe('rcr CLI', { timeout: 30_000 }, () => {
  afterAll(() => tmp.cleanup());

  it('flags list --json prints the documented fields', () => {
    const r = rcr('flags', 'list', '--json');
    expect(r.code).toBe(0);
    const flags = JSON.parse(r.stdout) as Record<string, unknown>[];
    const ai = flags.find((f) => f.key === 'ai-answer-assist' && f.environment === 'production');
    expect(ai).toMatchObject({
      provider: 'local',
      enabled: true,
      rolloutPercent: 10,
      confidenceThreshold: 0.7,
      modelVersion: 'v2.4',
      stale: false,
    });
    expect(typeof ai?.updatedAt).toBe('string');
    expect(Number.isNaN(Date.parse(String(ai?.updatedAt)))).toBe(false);
  });

  it('refuses to change production without --yes when not on a terminal, and changes nothing', () => {
    const r = rcr('rollback', 'ai-answer-assist', '--env', 'production', '--reason', 'test');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pass --yes/);
    const show = JSON.parse(
      rcr('flag', 'show', 'ai-answer-assist', '--env', 'production', '--json', '--offline').stdout,
    );
    expect(show.enabled).toBe(true);
  });

  it('rolls back with --yes and shows it in history', () => {
    const r = rcr(
      'rollback',
      'ai-answer-assist',
      '--env',
      'production',
      '--reason',
      'cli test',
      '--yes',
      '--json',
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.flag.enabled).toBe(false);
    expect(out.audit.status).toBe('succeeded');
    const history = JSON.parse(rcr('history', 'ai-answer-assist', '--env', 'production', '--json').stdout);
    expect(history[0]).toMatchObject({
      source: 'app',
      changes: [{ layer: 'enabled', before: true, after: false }],
    });
  });

  it('gives clear errors: ambiguous key, unknown key, out-of-range rollout, unknown command', () => {
    const ambiguous = rcr('flag', 'show', 'ai-answer-assist');
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/local\/production, local\/staging/);
    const unknown = rcr('flag', 'show', 'no-such-flag', '--offline');
    expect(unknown).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/unknown flag key "no-such-flag"/),
    });
    const range = rcr('flag', 'set', 'new-checkout-flow', '--rollout', '101', '--reason', 'x y z', '--yes');
    expect(range.code).toBe(1);
    expect(range.stderr).toMatch(/patch\.rolloutPercent: rolloutPercent must be between 0 and 100/);
    expect(rcr('frobnicate').code).toBe(2);
  });

  it('providers add validates the URL and never writes a token into the config', () => {
    const bad = rcr(
      'providers',
      'add',
      'unleash',
      '--name',
      'u',
      '--url',
      'nope',
      '--token-env',
      'UNLEASH_T',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/providers\.1\.url/);
    const ok = rcr(
      'providers',
      'add',
      'unleash',
      '--name',
      'u',
      '--url',
      'http://127.0.0.1:9',
      '--token-env',
      'UNLEASH_T',
    );
    expect(ok.code).toBe(0);
    const config = fs.readFileSync(path.join(tmp.dir, 'config.json'), 'utf8');
    expect(JSON.parse(config).providers[1]).toEqual({
      name: 'u',
      kind: 'unleash',
      url: 'http://127.0.0.1:9',
      tokenEnv: 'UNLEASH_T',
      project: 'default',
    });
    // The token variable is unset: reading commands still answer from the cache and say why.
    const list = rcr('flags', 'list', '--json');
    expect(list.code).toBe(0);
    expect(list.stderr).toMatch(/UNLEASH_T .*is not set/);
    expect(rcr('providers', 'remove', 'u').code).toBe(0);
  });

  it('sweep --json prints one object per threshold in ascending order with the documented keys', () => {
    const file = path.resolve(import.meta.dirname, '../../test/fixtures/sweep/ties.csv');
    const r = rcr('sweep', '--predictions', file, '--thresholds', '0.7,0.5,0.99', '--json');
    expect(r.code).toBe(0);
    const points = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(points.map((p) => p.threshold)).toEqual([0.5, 0.7, 0.99]);
    expect(Object.keys(points[0] ?? {}).sort()).toEqual(
      [
        'threshold',
        'n',
        'covered',
        'coverage',
        'precision',
        'recall',
        'fpr',
        'fallbackRate',
        'precisionCi',
      ].sort(),
    );
    const expected = JSON.parse(
      fs.readFileSync(
        path.resolve(import.meta.dirname, '../../test/fixtures/sweep/ties.expected.json'),
        'utf8',
      ),
    ) as { precision_recall_curve: { precision: number[]; thresholds: number[] } };
    const i = expected.precision_recall_curve.thresholds.indexOf(0.5);
    expect(points[0]?.precision).toBeCloseTo(expected.precision_recall_curve.precision[i] as number, 12);
    const all = JSON.parse(rcr('sweep', '--predictions', file, '--json').stdout) as unknown[];
    expect(all).toHaveLength(101);
  });

  it('recommend --json gives one recommendation per slice; a bad file names its line', () => {
    const file = path.join(tmp.dir, 'preds.csv');
    fs.writeFileSync(file, 'confidence,label,model_version\n0.9,1,a\n0.8,1,a\n0.3,0,a\n0.95,1,b\n0.2,0,b\n');
    const r = rcr('recommend', '--predictions', file, '--min-precision', '0.5', '--no-lower-bound', '--json');
    expect(r.code).toBe(0);
    const recs = JSON.parse(r.stdout) as { slice: { modelVersion: string }; threshold: number | null }[];
    expect(recs.map((x) => [x.slice.modelVersion, x.threshold])).toEqual([
      ['a', 0.3],
      ['b', 0.2],
    ]);
    fs.writeFileSync(file, 'confidence,label\n0.9,1\n-0.1,0\n');
    const bad = rcr('sweep', '--predictions', file, '--json');
    expect(bad).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/preds\.csv line 3: confidence -0\.1 must be between 0 and 1/),
    });
  });
});
