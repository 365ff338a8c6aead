import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore, type AppCore } from '../app-core.ts';
import { SAMPLE_PREDICTIONS } from '../providers/local/local-sample.ts';
import { tempDataDir } from '../../../test/support/temp-dir.ts';

const tmp = tempDataDir();
let core: AppCore;
const AI = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };

beforeAll(async () => {
  const resources = path.join(tmp.dir, 'resources');
  fs.mkdirSync(path.join(resources, path.dirname(SAMPLE_PREDICTIONS)), { recursive: true });
  const rows = ['confidence,label,model_version,segment'];
  for (let i = 0; i < 400; i++) {
    const label = i % 2;
    const mv = i % 4 < 2 ? 'v2.3' : 'v2.4';
    const noise = ((i * 37) % 100) / 100;
    const conf =
      mv === 'v2.4' ? (label ? 0.5 + noise / 2 : noise / 2) : label ? 0.3 + noise * 0.6 : noise * 0.7;
    rows.push(`${conf.toFixed(3)},${label},${mv},${i % 3 ? 'older' : 'newer'}`);
  }
  fs.writeFileSync(path.join(resources, SAMPLE_PREDICTIONS), rows.join('\n'));
  core = await openCore({ dataDir: path.join(tmp.dir, 'data'), startSync: false, resourcesDir: resources });
});
afterAll(async () => {
  await core.close();
  tmp.cleanup();
});

const ok = async <T>(
  p: Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>,
): Promise<T> => {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe('simulator through the contract', () => {
  it('imports the shipped sample on first start, attached to the seeded AI flag', async () => {
    const logs = await ok(core.invoke('predictions.list', { flag: AI }));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      rows: 400,
      positives: 200,
      modelVersions: ['v2.3', 'v2.4'],
      segments: ['newer', 'older'],
    });
  });

  it('sweeps on a 1001-point grid with exact lookups, per slice', async () => {
    const [log] = await ok(core.invoke('predictions.list', {}));
    const all = await ok(core.invoke('simulator.sweep', { logId: log!.id }));
    expect(all.points).toHaveLength(1001);
    expect(all.points[700]?.threshold).toBe(0.7);
    const v24 = await ok(
      core.invoke('simulator.sweep', {
        logId: log!.id,
        slice: { modelVersion: 'v2.4', segment: null },
        grid: 0,
      }),
    );
    expect(v24.n).toBe(200);
    expect(v24.auc).toBeGreaterThan(0.9);
  });

  it('recommends per model version and segment, and decides a model A/B', async () => {
    const [log] = await ok(core.invoke('predictions.list', {}));
    const recs = await ok(
      core.invoke('simulator.recommend', {
        logId: log!.id,
        target: { kind: 'min-precision', value: 0.9, useLowerBound: true },
      }),
    );
    expect(recs).toHaveLength(6); // 2 versions × (all + 2 segments)
    const ab = await ok(
      core.invoke('simulator.ab', {
        logId: log!.id,
        segment: null,
        control: { modelVersion: 'v2.3', threshold: 0.6 },
        treatment: { modelVersion: 'v2.4', threshold: 0.6 },
        shipMarginPp: 2,
      }),
    );
    expect(['ship', 'hold', 'roll-back']).toContain(ab.decision);
  });

  it('refuses unknown logs, unknown model versions and bad files with clear errors', async () => {
    expect(await core.invoke('simulator.sweep', { logId: 999 })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    const [log] = await ok(core.invoke('predictions.list', {}));
    const ab = await core.invoke('simulator.ab', {
      logId: log!.id,
      segment: null,
      control: { modelVersion: 'v9', threshold: 0.5 },
      treatment: { modelVersion: 'v2.4', threshold: 0.5 },
    });
    expect(ab).toMatchObject({
      ok: false,
      error: { code: 'BAD_INPUT', message: expect.stringMatching(/control\.modelVersion: "v9"/) },
    });
    const bad = path.join(tmp.dir, 'bad.csv');
    fs.writeFileSync(bad, 'confidence,label\n0.5,1\n0.5,yes\n');
    expect(await core.invoke('predictions.import', { path: bad })).toMatchObject({
      ok: false,
      error: { code: 'BAD_INPUT', message: 'bad.csv line 3: label "yes" must be 0 or 1' },
    });
    expect(await ok(core.invoke('predictions.list', {}))).toHaveLength(1);
  });

  it('reports import progress as events', async () => {
    const file = path.join(tmp.dir, 'big.csv');
    const lines = ['confidence,label,unit_id'];
    for (let i = 0; i < 120_000; i++)
      lines.push(`${(i % 1000) / 1000},${i % 2},unit-${String(i).padStart(32, '0')}`);
    fs.writeFileSync(file, lines.join('\n'));
    const seen: { rows: number; bytesRead: number; totalBytes: number; done: boolean }[] = [];
    const off = core.on('predictions.progress', (p) => seen.push(p));
    const log = await ok(core.invoke('predictions.import', { path: file, name: 'big' }));
    off();
    expect(log.rows).toBe(120_000);
    // Streamed: progress arrived while part of the file was still unread.
    expect(seen.some((p) => !p.done && p.bytesRead < p.totalBytes)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ done: true, rows: 120_000 });
  });
});
