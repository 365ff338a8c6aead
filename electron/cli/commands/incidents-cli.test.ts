/** `rcr incidents`, `rcr restore` and `--actor` end to end (real CLI in a child process, embedded provider). */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LAYER_NAMES } from '../../../shared/domain.ts';
import { tempDataDir } from '../../../test/support/temp-dir.ts';
import type { IncidentJson } from './incidents.ts';

const RCR = path.resolve(import.meta.dirname, '..', 'rcr.ts');
const tmp = tempDataDir('rcr-incidents-cli-');
const FLAG = ['ai-answer-assist', '--env', 'production'];

function rcr(
  args: string[],
  env: Record<string, string> = {},
): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', RCR, '--data-dir', tmp.dir, ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RCR_ACTOR: '', ...env } },
  );
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

describe('rcr incidents / restore', { timeout: 60_000 }, () => {
  afterAll(() => tmp.cleanup());

  it('a kill is an open incident by its operator; restore undoes it exactly and closes it', () => {
    const before = rcr(['flag', 'show', ...FLAG, '--json']);
    expect(before.code, before.stderr).toBe(0);
    const layers = JSON.parse(before.stdout) as Record<string, unknown>;

    const kill = rcr([
      '--actor',
      'dana',
      'rollback',
      ...FLAG,
      '--reason',
      'wrong answers',
      '--yes',
      '--json',
    ]);
    expect(kill.code, kill.stderr).toBe(0);
    expect(kill.stderr).toMatch(/enabled: Serving → Killed/);

    const open = rcr(['incidents', '--json']);
    expect(open.code, open.stderr).toBe(0);
    const list = JSON.parse(open.stdout) as IncidentJson[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      provider: 'local',
      environment: 'production',
      key: 'ai-answer-assist',
      state: 'open',
      cause: 'killed',
      openedBy: 'dana',
      reason: 'wrong answers',
      closedAt: null,
      closedBy: null,
      enabled: false,
    });
    expect(Object.keys(list[0]!).slice(0, 11)).toEqual([
      'id',
      'provider',
      'environment',
      'key',
      'state',
      'cause',
      'openedAt',
      'openedBy',
      'closedAt',
      'closedBy',
      'reason',
    ]);

    // Not a terminal: a change needs --yes.
    expect(rcr(['restore', ...FLAG, '--reason', 'fixed']).code).toBe(2);
    const restore = rcr(['restore', ...FLAG, '--reason', 'fixed upstream', '--yes', '--json'], {
      RCR_ACTOR: 'erin',
    });
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stderr).toMatch(/Restores the layers confirmed right before the kill/);
    const restored = JSON.parse(restore.stdout) as { flag: Record<string, unknown> };
    for (const k of LAYER_NAMES) expect(restored.flag[k]).toEqual(layers[k]);

    const again = rcr(['restore', ...FLAG, '--reason', 'twice', '--yes']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not killed/);

    expect(JSON.parse(rcr(['incidents', '--json', '--offline']).stdout)).toEqual([]);
    const all = JSON.parse(rcr(['incidents', '--all', '--json', '--offline']).stdout) as IncidentJson[];
    expect(all[0]).toMatchObject({ state: 'closed', closedBy: 'erin', closeReason: 'fixed upstream' });

    const decisions = JSON.parse(
      rcr(['decisions', '--flag', 'ai-answer-assist', '--env', 'production', '--format', 'json']).stdout,
    ) as { action: string; actor: string }[];
    expect(decisions.map((d) => [d.action, d.actor])).toEqual([
      ['kill', 'dana'],
      ['restore', 'erin'],
    ]);
  });
});
