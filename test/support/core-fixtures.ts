/**
 * Fixtures for tests that drive a real core through its contract: unwrapping results, error-rate
 * events imported as a user would, and the error-rate guardrail the rollout tests share.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ApiError, Result } from '../../shared/contract.ts';
import type { FlagRef } from '../../shared/domain.ts';
import { GuardrailSchema, type Guardrail } from '../../shared/guardrails.ts';
import { openCore, type AppCore, type CoreOptions } from '../../electron/core/app-core.ts';

/** The value of a contract result; throws `CODE: message` when it failed. */
export async function ok<T>(p: Promise<Result<T>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** The error of a contract result; throws when it succeeded. */
export async function fail<T>(p: Promise<Result<T>>): Promise<ApiError> {
  const r = await p;
  if (r.ok) throw new Error('expected the call to fail, it succeeded');
  return r.error;
}

/**
 * Writes a CSV of binomial `errors` events of `flag` and imports it (`metrics.importEvents`): per
 * minute in [`from`, `to`) (ms, minute-aligned), `n` units per cohort, the first
 * `round(n × rate)` of them with an error. Unit ids are unique per call. The file goes to `dir`.
 */
export async function importErrorEvents(
  core: AppCore,
  dir: string,
  flag: FlagRef,
  window: { from: number; to: number },
  n: number,
  rates: { control: number; treatment: number },
): Promise<void> {
  const lines = ['timestamp,unit_id,flag_key,variant,metric,value'];
  let u = 0;
  for (let m = window.from; m < window.to; m += 60_000)
    for (const variant of ['control', 'treatment'] as const)
      for (let i = 0; i < n; i++)
        lines.push(
          `${m + i},${variant[0]}${window.from}-${u++},${flag.key},${variant},errors,${i < Math.round(n * rates[variant]) ? 1 : 0}`,
        );
  const file = path.join(
    dir,
    `errors-${window.from}-${window.to}-${Math.random().toString(36).slice(2)}.csv`,
  );
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  await ok(
    core.invoke('metrics.importEvents', {
      path: file,
      provider: flag.provider,
      environment: flag.environment,
    }),
  );
}

/**
 * The rollout tests' guardrail on the `errors` metric: treatment above 1.5× control over the last
 * 10 minutes, 100 units per cohort at least, rolls back by kill after 2 breaches in a row.
 */
export function errorRateGuardrail(flag: FlagRef, over: Partial<Guardrail> = {}): Guardrail {
  return GuardrailSchema.parse({
    flag,
    id: 'error-rate',
    metric: 'errors',
    kind: { type: 'relative-to-control', factor: 1.5 },
    action: 'rollback',
    rollbackTarget: 'kill',
    consecutiveBreaches: 2,
    windowMinutes: 10,
    minSamplePerCohort: 100,
    ...over,
  });
}

/**
 * Opens a core on `dataDir` for a test: no background sync or monitor, the clock `now`, no shipped
 * resources (no sample predictions), then one sync (the embedded provider's seeded flags in cache).
 */
export async function openTestCore(
  dataDir: string,
  now: () => number,
  over: Partial<CoreOptions> = {},
): Promise<AppCore> {
  const core = await openCore({
    dataDir,
    startSync: false,
    actor: 'tester',
    resourcesDir: path.join(dataDir, 'no-resources'),
    now,
    ...over,
  });
  await core.sync.syncAll();
  return core;
}
