/** `rcr bucket` in a child process: the documented JSON, key files, usage errors. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test/support/temp-dir.ts';

const RCR = path.resolve(import.meta.dirname, '../rcr.ts');
const tmp = tempDataDir('rcr-bucket-');

function rcr(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', RCR, '--data-dir', tmp.dir, ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

describe('rcr bucket', { timeout: 30_000 }, () => {
  afterAll(() => tmp.cleanup());

  it('launchdarkly: the Go SDK vectors, with and without a seed', () => {
    const r = rcr(
      'bucket',
      '--scheme',
      'launchdarkly',
      '--flag',
      'hashKey',
      '--salt',
      'saltyA',
      '--keys',
      'userKeyA,userKeyB',
      '--json',
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { key: string; bucket: number }[];
    expect(out.map((o) => o.key)).toEqual(['userKeyA', 'userKeyB']);
    expect(out[0]!.bucket).toBeCloseTo(0.42157587, 7);
    expect(out[1]!.bucket).toBeCloseTo(0.6708485, 6);
    const seeded = JSON.parse(
      rcr(
        'bucket',
        '--scheme',
        'launchdarkly',
        '--flag',
        'x',
        '--salt',
        'y',
        '--seed',
        '61',
        '--keys',
        'userKeyC',
        '--json',
      ).stdout,
    ) as { bucket: number }[];
    expect(seeded[0]!.bucket).toBeCloseTo(0.9242641, 6);
  });

  it('unleash: buckets 1–100 and inclusion at the rollout (the Node SDK vector gr1:123 → 73)', () => {
    const r = rcr(
      'bucket',
      '--scheme',
      'unleash',
      '--group-id',
      'gr1',
      '--rollout',
      '73',
      '--keys',
      '123',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ key: '123', bucket: 73, included: true }]);
    const at72 = JSON.parse(
      rcr('bucket', '--scheme', 'unleash', '--group-id', 'gr1', '--rollout', '72', '--keys', '123', '--json')
        .stdout,
    );
    expect(at72).toEqual([{ key: '123', bucket: 73, included: false }]);
  });

  it('local: groupId is the flag key; reads a CSV key file', () => {
    const file = path.join(tmp.dir, 'keys.csv');
    fs.writeFileSync(file, 'plan,key\npro,123\nfree,999\n');
    const local = JSON.parse(
      rcr('bucket', '--scheme', 'local', '--flag', 'gr1', '--keys-file', file, '--json').stdout,
    );
    const unleash = JSON.parse(
      rcr('bucket', '--scheme', 'unleash', '--group-id', 'gr1', '--keys', '123,999', '--json').stdout,
    );
    expect(local).toEqual(unleash);
    expect(local[0]).toEqual({ key: '123', bucket: 73 });
  });

  it('prints a table without --json', () => {
    const r = rcr(
      'bucket',
      '--scheme',
      'unleash',
      '--group-id',
      'groupX',
      '--rollout',
      '30',
      '--keys',
      '999',
    );
    expect(r.stdout).toBe('KEY\tBUCKET\tINCLUDED\n999\t25\tyes\n');
  });

  it('gives clear errors: unknown scheme, missing salt, empty key, keys and file both, CSV without key column', () => {
    expect(rcr('bucket', '--scheme', 'growthbook', '--keys', 'a')).toMatchObject({ code: 2 });
    expect(rcr('bucket', '--scheme', 'growthbook', '--keys', 'a').stderr).toMatch(
      /--scheme must be launchdarkly, unleash or local, not "growthbook"/,
    );
    expect(rcr('bucket', '--scheme', 'launchdarkly', '--flag', 'f', '--keys', 'a').stderr).toMatch(
      /--salt is required/,
    );
    expect(rcr('bucket', '--scheme', 'unleash', '--group-id', 'g', '--keys', 'a,,b').stderr).toMatch(
      /empty key at position 2/,
    );
    expect(
      rcr('bucket', '--scheme', 'unleash', '--group-id', 'g', '--keys', 'a', '--keys-file', 'x').stderr,
    ).toMatch(/exactly one of --keys/);
    expect(
      rcr('bucket', '--scheme', 'unleash', '--group-id', 'g', '--keys', 'a', '--rollout', '101').stderr,
    ).toMatch(/--rollout must be a number between 0 and 100/);
    const file = path.join(tmp.dir, 'nokey.csv');
    fs.writeFileSync(file, 'id,plan\n1,pro\n');
    const r = rcr('bucket', '--scheme', 'unleash', '--group-id', 'g', '--keys-file', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the CSV has no "key" column \(its columns: "id", "plan"\)/);
    const empty = path.join(tmp.dir, 'empty.txt');
    fs.writeFileSync(empty, '\n\n');
    expect(rcr('bucket', '--scheme', 'unleash', '--group-id', 'g', '--keys-file', empty).stderr).toMatch(
      /key list is empty/,
    );
  });
});
