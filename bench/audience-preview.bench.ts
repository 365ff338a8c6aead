/**
 * Exact audience preview of 1,000,000 targeting keys for a rollout change
 * (10 % → 25 %), for each bucketing scheme, through the core call
 * `core.invoke('flag.previewAudience', …)` — contract validation of the keys,
 * the flag lookup, one hash per key and the cohort counts. Target (issue 5):
 * < 2 s per scheme; reports keys/s.
 *
 * Flags: the local provider's seeded `ai-answer-assist` (scheme `local`), and
 * two in-memory providers injected into the core whose flag carries Unleash
 * (`flexibleRollout`, stickiness `default`) and LaunchDarkly (two-variation
 * fallthrough rollout, treatment last) bucketing. Keys: seeded, UUID-shaped
 * (36 characters). Each scheme is run `BENCH_AUDIENCE_RUNS` times (default 3;
 * the first also warms the JIT); the median is reported. Each result is checked:
 * nobody leaves, ~15 % enter, `monotonic: true`. The process's CPU time per call
 * is reported too: on a shared machine wall time above it is time spent waiting
 * for a core.
 *
 * Not included: transport (IPC / HTTP) of the 1M keys from the renderer, and
 * parsing a key file (the renderer parses pasted text or a file before sending).
 *
 * Knobs: `BENCH_AUDIENCE_KEYS` (default 1,000,000), `BENCH_AUDIENCE_RUNS` (default 3).
 * Run alone: `node bench/audience-preview.bench.ts` (from the repo root, with Node 24).
 */
import type { Bucketing } from '../shared/bucketing.ts';
import type { FlagRef, FlagState } from '../shared/domain.ts';
import type { FlagProvider } from '../electron/core/providers/provider.ts';
import { openBenchCore } from './lib/core.ts';
import {
  loadAvg,
  loadRow,
  median,
  mib,
  ms,
  progress,
  runAsMain,
  spread,
  type BenchReport,
  type BenchRow,
} from './lib/report.ts';
import { rng } from './lib/rng.ts';

const BENCH = 'audience-preview';
const KEYS = Number(process.env.BENCH_AUDIENCE_KEYS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_AUDIENCE_RUNS ?? 3);
const TARGET_MS = 2000;
const SEED = 20261122;
const ENV = 'production';

/** Seeded UUID-shaped keys (the usual shape of a user id). */
function makeKeys(n: number): string[] {
  const random = rng(SEED);
  const hex = (len: number): string => {
    let s = '';
    for (let i = 0; i < len; i++) s += Math.floor(random() * 16).toString(16);
    return s;
  };
  return Array.from({ length: n }, () => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`);
}

/** An in-memory provider serving one AI flag at 10 % with the given bucketing. */
function fixedProvider(name: string, kind: FlagState['providerKind'], bucketing: Bucketing): FlagProvider {
  const state: FlagState = {
    provider: name,
    providerKind: kind,
    environment: ENV,
    key: 'bench-ai-flag',
    name: 'bench AI flag',
    description: '',
    kind: 'ai',
    layers: {
      enabled: true,
      rolloutPercent: 10,
      confidenceThreshold: 0.7,
      modelVersion: 'v2.4',
      allowList: ['qa-lead'],
      blockList: ['blocked-customer'],
    },
    variants: [],
    version: '1',
    updatedAt: null,
    native: { bucketing },
  };
  const unused = async (): Promise<never> => {
    throw new Error('the audience bench changes nothing');
  };
  return {
    name,
    kind,
    url: null,
    capabilities: () => ({
      kill: true,
      rollout: true,
      threshold: true,
      modelVersion: true,
      allowBlock: true,
      history: false,
    }),
    health: async () => ({ ok: true, latencyMs: 0, message: null }),
    listFlags: async () => [state],
    getFlag: async () => state,
    planChange: unused,
    executePlan: unused,
    historySince: async (cursor) => ({ events: [], cursor }),
  } as FlagProvider;
}

const SCHEMES: { scheme: string; ref: FlagRef }[] = [
  { scheme: 'local', ref: { provider: 'local', environment: ENV, key: 'ai-answer-assist' } },
  { scheme: 'unleash', ref: { provider: 'bench-unleash', environment: ENV, key: 'bench-ai-flag' } },
  { scheme: 'launchdarkly', ref: { provider: 'bench-ld', environment: ENV, key: 'bench-ai-flag' } },
];

async function main(): Promise<BenchReport> {
  const loadAtStart = loadAvg();
  const unleashConfig = (name: string) => ({
    name,
    kind: 'unleash' as const,
    url: 'http://127.0.0.1:9',
    tokenEnv: 'RCR_BENCH_UNUSED_TOKEN',
    project: 'default',
  });
  const bench = await openBenchCore({
    providers: [{ name: 'local', kind: 'local' }, unleashConfig('bench-unleash'), unleashConfig('bench-ld')],
    inject: {
      'bench-unleash': fixedProvider('bench-unleash', 'unleash', {
        scheme: 'unleash',
        groupId: 'bench-ai-flag',
        stickiness: 'default',
      }),
      'bench-ld': fixedProvider('bench-ld', 'launchdarkly', {
        scheme: 'launchdarkly',
        flagKey: 'bench-ai-flag',
        salt: '6c2c7a3b0f5e4d1a',
        seed: null,
        bucketBy: 'key',
        variations: [
          { variation: 0, weight: 90_000 },
          { variation: 1, weight: 10_000 },
        ],
        treatmentVariation: 1,
      }),
    },
  });
  const rows: BenchRow[] = [];
  const raw: Record<string, unknown> = { keys: KEYS, runs: RUNS };
  try {
    await bench.core.sync.syncAll();
    progress(`generating ${KEYS.toLocaleString('en')} keys`);
    const keys = makeKeys(KEYS);
    for (const { scheme, ref } of SCHEMES) {
      const times: number[] = [];
      const coreMs: number[] = [];
      const cpuMs: number[] = [];
      let rss = 0;
      for (let run = 0; run < RUNS; run++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const res = await bench.core.invoke('flag.previewAudience', {
          ref,
          patch: { rolloutPercent: 25 },
          keys,
        });
        const elapsed = performance.now() - t0;
        const cpu = process.cpuUsage(c0);
        cpuMs.push((cpu.user + cpu.system) / 1000);
        rss = Math.max(rss, process.memoryUsage().rss);
        if (!res.ok) throw new Error(`${scheme}: ${res.error.code} ${res.error.message}`);
        const v = res.value;
        const enteringShare = v.totals.entering / v.keys.unique;
        if (v.scheme !== scheme || v.totals.leaving !== 0 || v.monotonic !== true)
          throw new Error(
            `${scheme}: unexpected result ${JSON.stringify(v.totals)} monotonic=${v.monotonic}`,
          );
        if (Math.abs(enteringShare - 0.15) > 0.01)
          throw new Error(`${scheme}: ${(100 * enteringShare).toFixed(2)} % entered, expected ~15 %`);
        times.push(elapsed);
        coreMs.push(v.elapsedMs);
        progress(
          `${scheme} run ${run + 1}/${RUNS}: ${ms(elapsed)} (preview ${ms(v.elapsedMs)}), ` +
            `${v.totals.entering.toLocaleString('en')} entering, ${v.totals.staying.toLocaleString('en')} staying`,
        );
        raw[`${scheme}.totals`] = v.totals;
      }
      const med = median(times);
      raw[`${scheme}.ms`] = times;
      raw[`${scheme}.previewMs`] = coreMs;
      raw[`${scheme}.cpuMs`] = cpuMs;
      rows.push(
        {
          bench: BENCH,
          metric: `${scheme}: ${KEYS.toLocaleString('en')} keys, rollout 10 → 25 %`,
          value: ms(med),
          target: `< ${TARGET_MS} ms`,
          met: med < TARGET_MS,
          note:
            `${spread(times)}; hashing + cohorts ${ms(median(coreMs))}, rest = key validation; ` +
            `CPU time ${ms(median(cpuMs))} (wall above CPU = waiting for a core)`,
        },
        {
          bench: BENCH,
          metric: `${scheme}: throughput`,
          value: `${Math.round(KEYS / (med / 1000)).toLocaleString('en')} keys/s`,
          note: `peak RSS ${mib(rss)}`,
        },
      );
    }
  } finally {
    await bench.dispose();
  }
  rows.push(loadRow(BENCH, loadAtStart));
  return { bench: BENCH, rows, raw };
}

runAsMain(import.meta.url, main);
