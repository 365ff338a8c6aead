/** `rcr plan`, `rcr monitor`, `rcr decisions` end to end (real CLI in a child process, embedded provider). */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test/support/temp-dir.ts';
import { parseInterval } from './monitor.ts';

const RCR = path.resolve(import.meta.dirname, '..', 'rcr.ts');
const tmp = tempDataDir('rcr-rollout-cli-');

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

describe('parseInterval', () => {
  it('reads s, m, ms and refuses below 5 s', () => {
    expect(parseInterval('5s')).toBe(5000);
    expect(parseInterval('2m')).toBe(120_000);
    expect(parseInterval('7500')).toBe(7500);
    expect(() => parseInterval('2s')).toThrow(/at least 5s/);
    expect(() => parseInterval('soon')).toThrow(/must look like 5s/);
  });
});

describe('rcr plan / monitor / decisions', { timeout: 60_000 }, () => {
  afterAll(() => tmp.cleanup());

  it('computes and saves a plan, starts it, runs the monitor once and exports the decision log', () => {
    const plan = rcr(
      'plan',
      'compute',
      'ai-answer-assist',
      '--env',
      'production',
      '--traffic',
      '200000',
      '--baseline-rate',
      '0.02',
      '--mde',
      '0.2',
      '--template',
      'three-stage',
      '--save',
      '--json',
    );
    expect(plan.code, plan.stderr).toBe(0);
    const p = JSON.parse(plan.stdout) as {
      planner: { samplePerCohort: number };
      stages: { targetPercent: number }[];
    };
    expect(p.planner.samplePerCohort).toBe(16595);
    expect(p.stages.map((s) => s.targetPercent)).toEqual([10, 50, 100]);

    const start = rcr(
      'plan',
      'advance',
      'ai-answer-assist',
      '--env',
      'production',
      '--reason',
      'start the ramp',
      '--json',
      '--yes',
    );
    expect(start.code, start.stderr).toBe(0);
    expect(JSON.parse(start.stdout)).toMatchObject({
      state: { stageIndex: 0, status: 'running', pendingActionId: null },
    });

    const mon = rcr('monitor', '--once', '--json', '--offline');
    expect(mon.code, mon.stderr).toBe(0);
    const run = JSON.parse(mon.stdout.trim().split('\n').at(-1) as string) as {
      flags: number;
      decisions: { action: string }[];
      pendingActions: number;
    };
    expect(run).toMatchObject({ flags: 1, pendingActions: 0 });
    expect(run.decisions.map((d) => d.action)).toEqual(['hold']);

    const csv = rcr('decisions', '--format', 'csv');
    expect(csv.code, csv.stderr).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/,start,operator,/);
    expect(lines[2]).toMatch(/,monitor,hold,gate:/);

    expect(rcr('monitor', '--interval', '1s').code).toBe(2);
    expect(rcr('decisions', '--format', 'xml').stderr).toMatch(/--format must be csv or json/);
  });
});
