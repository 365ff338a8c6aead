/**
 * Rollback latency against a real local Unleash (unleash-server@8 + PostgreSQL,
 * test/support/unleash.ts).
 *
 * One AI feature is created at 25 % (flexibleRollout with a treatment variant
 * payload). Then, 60 times: a kill through the core, exactly what the UI's
 * "Roll back → Kill" confirm sends: `core.invoke('flag.rollback', {mode: 'kill'})`
 * (not a browser click), followed by a re-enable through
 * `flag.applyChange {enabled: true}` (timed separately, not part of the target).
 *
 * Timed per kill, from the call (the "click") to:
 *   - confirmed: the provider's re-read after the change resolved (the moment
 *     the core knows Unleash has the flag off) — measured by wrapping the
 *     provider's `executePlan` / `getFlag`;
 *   - returned: `invoke` resolved with the confirmed state (what the UI waits for;
 *     includes journaling and the import of the provider's new history events,
 *     `SyncService.syncHistory`, that the core runs after every action).
 * Every result is checked: `ok`, audit `succeeded`, confirmed `enabled: false`;
 * every 10th kill is also checked by reading the feature from Unleash itself.
 *
 * Second scenario: the same kill with N more features in the project
 * (default 200, env `BENCH_ROLLBACK_FLEET`; 0 skips), 20 kills: before commit
 * 457d9dc the core ran a full sync (listing every feature) inside every action,
 * so this scenario shows whether the wait still grows with the project.
 * Third: 20 kills through the browser-mode HTTP API (`POST /api/invoke/flag.rollback`).
 *
 * Run alone: `node bench/rollback-latency.bench.ts` (from the repo root, with Node 24).
 */
import type { AppCore } from '../electron/core/app-core.ts';
import type { FlagProvider } from '../electron/core/providers/provider.ts';
import { startHttpServer } from '../electron/server/http-server.ts';
import type { ActionResult } from '../shared/flag-actions.ts';
import { createFeatureWithRollout, getFeature, startUnleash } from '../test/support/unleash.ts';
import { openBenchCore } from './lib/core.ts';
import {
  loadAvg,
  loadRow,
  median,
  ms,
  percentile,
  progress,
  runAsMain,
  spread,
  type BenchReport,
  type BenchRow,
} from './lib/report.ts';

const BENCH = 'rollback-latency';
const FLAG = 'bench-ai-rollback';
const ENV = 'production';
const KILLS = 60;
const FLEET_KILLS = 20;
const HTTP_KILLS = 20;
const TOKEN_ENV = 'RCR_BENCH_UNLEASH_TOKEN';
const TARGET_P95 = 500;
const REF = { provider: 'unleash', environment: ENV, key: FLAG };

/** Timestamps the wrapped provider records for the action in progress. */
interface Marks {
  executed: number | null;
  confirmed: number | null;
  /** Time inside `historySince` since the kill started (the post-action history import), ms. */
  historyMs: number;
  /** `historySince` calls since the kill started. */
  historyCalls: number;
}

/** Wraps a provider so the end of `executePlan` and of the following `getFlag` (the confirmation) are recorded. */
function timing(marks: Marks) {
  return (p: FlagProvider): FlagProvider => ({
    ...p,
    async executePlan(plan, reason, actor) {
      const out = await p.executePlan(plan, reason, actor);
      marks.executed = performance.now();
      return out;
    },
    async getFlag(environment, key) {
      const state = await p.getFlag(environment, key);
      if (marks.executed !== null && marks.confirmed === null) marks.confirmed = performance.now();
      return state;
    },
    async historySince(cursor) {
      const t0 = performance.now();
      marks.historyCalls++;
      try {
        return await p.historySince(cursor);
      } finally {
        marks.historyMs += performance.now() - t0;
      }
    },
  });
}

interface Sample {
  confirmedMs: number;
  returnedMs: number;
  /** Of `returnedMs`, the time inside the provider's `historySince` (Unleash event search). */
  historyMs: number;
  /** `historySince` calls since the kill started. */
  historyCalls: number;
}

type Invoke = (channel: 'flag.rollback' | 'flag.applyChange', input: unknown) => Promise<ActionResult>;

/** Kills and re-enables `count` times; returns the kill samples and the re-enable durations. */
async function killLoop(
  label: string,
  count: number,
  marks: Marks,
  invoke: Invoke,
  verify: () => Promise<void>,
): Promise<{ kills: Sample[]; enables: number[] }> {
  const kills: Sample[] = [];
  const enables: number[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 10 === 0) progress(`${BENCH}: ${label} kill ${i + 1}/${count}`);
    marks.executed = null;
    marks.confirmed = null;
    marks.historyMs = 0;
    marks.historyCalls = 0;
    const t0 = performance.now();
    const killed = await invoke('flag.rollback', {
      ref: REF,
      mode: 'kill',
      reason: 'bench: rollback latency',
    });
    const t1 = performance.now();
    if (
      killed.audit.status !== 'succeeded' ||
      killed.audit.confirmed?.enabled !== false ||
      killed.flag.layers.enabled
    )
      throw new Error(`kill ${i} was not confirmed: ${JSON.stringify(killed.audit)}`);
    if (marks.confirmed === null) throw new Error('the provider re-read after the kill was not observed');
    kills.push({
      confirmedMs: marks.confirmed - t0,
      returnedMs: t1 - t0,
      historyMs: marks.historyMs,
      historyCalls: marks.historyCalls,
    });
    if (i % 10 === 0) await verify();

    marks.executed = null;
    marks.confirmed = null;
    const e0 = performance.now();
    const enabled = await invoke('flag.applyChange', {
      ref: REF,
      patch: { enabled: true },
      reason: 'bench: re-enable',
    });
    enables.push(performance.now() - e0);
    if (!enabled.flag.layers.enabled) throw new Error(`re-enable ${i} was not confirmed`);
  }
  return { kills, enables };
}

function coreInvoke(core: AppCore): Invoke {
  return async (channel, input) => {
    const r = await core.invoke(channel, input as never);
    if (!r.ok) throw new Error(`${channel} failed: ${r.error.code} ${r.error.message}`);
    return r.value as ActionResult;
  };
}

function httpInvoke(url: string, token: string): Invoke {
  const origin = new URL(url).origin;
  return async (channel, input) => {
    const res = await fetch(`${origin}/api/invoke/${channel}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-rcr-token': token },
      body: JSON.stringify(input),
    });
    const r = (await res.json()) as
      { ok: true; value: ActionResult } | { ok: false; error: { message: string } };
    if (!r.ok) throw new Error(`${channel} over HTTP failed: ${r.error.message}`);
    return r.value;
  };
}

function rows(label: string, s: { kills: Sample[]; enables: number[] }): BenchRow[] {
  const confirmed = s.kills.map((k) => k.confirmedMs);
  const returned = s.kills.map((k) => k.returnedMs);
  const p95c = percentile(confirmed, 95);
  const p95r = percentile(returned, 95);
  return [
    {
      bench: BENCH,
      metric: `${label}: kill → provider-confirmed, median / p95`,
      value: `${ms(median(confirmed))} / ${ms(p95c)}`,
      target: `p95 < ${TARGET_P95} ms`,
      met: p95c < TARGET_P95,
      note: spread(confirmed),
    },
    {
      bench: BENCH,
      metric: `${label}: kill → result returned, median / p95`,
      value: `${ms(median(returned))} / ${ms(p95r)}`,
      target: `p95 < ${TARGET_P95} ms`,
      met: p95r < TARGET_P95,
      note: `${spread(returned)}; of which in historySince (the post-action history import) ${ms(median(s.kills.map((k) => k.historyMs)))} median in ${median(s.kills.map((k) => k.historyCalls))} calls`,
    },
    {
      bench: BENCH,
      metric: `${label}: re-enable (applyChange) → returned, median / p95`,
      value: `${ms(median(s.enables))} / ${ms(percentile(s.enables, 95))}`,
      note: `n=${s.enables.length}; not part of the target`,
    },
  ];
}

export async function run(): Promise<BenchReport> {
  const loadAtStart = loadAvg();
  progress(`${BENCH}: starting Unleash`);
  const unleash = await startUnleash();
  const marks: Marks = { executed: null, confirmed: null, historyMs: 0, historyCalls: 0 };
  const raw: Record<string, unknown> = {};
  const out: BenchRow[] = [];
  try {
    await createFeatureWithRollout(unleash.url, unleash.token, {
      name: FLAG,
      rollout: 25,
      variantPayload: { modelVersion: 'v2.4', minConfidence: 0.8 },
    });
    const bc = await openBenchCore({
      providers: [
        { name: 'unleash', kind: 'unleash', url: unleash.url, tokenEnv: TOKEN_ENV, project: 'default' },
      ],
      env: { ...process.env, [TOKEN_ENV]: unleash.token },
      wrap: timing(marks),
    });
    try {
      const first = await bc.core.sync.syncProvider('unleash');
      if (!first.ok) throw new Error(`first sync failed: ${first.error}`);
      const verify = async () => {
        const f = await getFeature(unleash.url, unleash.token, FLAG);
        if (f.environments.find((e) => e.name === ENV)?.enabled !== false)
          throw new Error('Unleash itself does not show the flag off after a confirmed kill');
      };
      const invoke = coreInvoke(bc.core);

      // Warm-up (connection pool, JIT): one kill + re-enable, not recorded.
      await killLoop('warm-up', 1, marks, invoke, verify);
      const single = await killLoop('1 feature', KILLS, marks, invoke, verify);
      raw.singleFeature = single;
      out.push(...rows(`core, 1 feature in project (n=${KILLS})`, single));

      const server = await startHttpServer({ api: bc.core, staticDir: bc.dataDir, port: 0 });
      try {
        const overHttp = await killLoop(
          'HTTP',
          HTTP_KILLS,
          marks,
          httpInvoke(server.url, server.token),
          verify,
        );
        raw.http = overHttp;
        out.push(...rows(`HTTP API, 1 feature (n=${HTTP_KILLS})`, overHttp));
      } finally {
        await server.close();
      }

      const fleet = Number(process.env.BENCH_ROLLBACK_FLEET ?? 200);
      if (fleet > 0) {
        progress(`${BENCH}: creating ${fleet} more features`);
        let next = 0;
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            while (next < fleet) {
              const i = next++;
              await createFeatureWithRollout(unleash.url, unleash.token, {
                name: `bench-other-${String(i).padStart(4, '0')}`,
                rollout: (i * 7) % 101,
              });
            }
          }),
        );
        const resync = await bc.core.sync.syncProvider('unleash');
        if (!resync.ok) throw new Error(`sync after creating features failed: ${resync.error}`);
        const s0 = performance.now();
        await bc.core.sync.syncProvider('unleash');
        raw.fleetSyncMs = performance.now() - s0;
        const withFleet = await killLoop(`${fleet + 1} features`, FLEET_KILLS, marks, invoke, verify);
        raw.withFleet = withFleet;
        out.push(...rows(`core, ${fleet + 1} features in project (n=${FLEET_KILLS})`, withFleet));
        out.push({
          bench: BENCH,
          metric: `one full sync of the ${fleet + 1}-feature project (for comparison)`,
          value: ms(raw.fleetSyncMs as number),
          note: 'no longer part of an action (it imports only new history events since 457d9dc)',
        });
      }
    } finally {
      await bc.dispose();
    }
  } finally {
    await unleash.stop();
  }
  out.push(loadRow(BENCH, loadAtStart));
  return { bench: BENCH, rows: out, raw };
}

runAsMain(import.meta.url, run);
