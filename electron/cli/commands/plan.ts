/**
 * `rcr plan templates` — the plan templates.
 * `rcr plan compute KEY --traffic N (--baseline-rate P | --baseline-mean M --sd S) --mde R
 *    [--template ID] [--alpha A] [--power W] [--save] [--json]` — sizes a plan with the planner
 *    (power analysis) and prints its calendar; `--save` saves it as the flag's plan (draft).
 * `rcr plan save KEY --file plan.json` — saves a plan written by hand (the `rollout.savePlan` JSON).
 * `rcr plan show KEY [--json]` — the flag's plan, state, gate and guardrails (evaluated now).
 * `rcr plan advance|pause|resume|approve KEY --reason TEXT` — operator overrides, recorded as
 *    decisions; `advance` starts a draft plan (or restarts a rolled-back / paused one) and applies
 *    the stage through the outbox: like every change it prints before → after and the provider
 *    requests, and asks on a terminal (`--yes` without one).
 */
import fs from 'node:fs';
import type { FlagRef } from '../../../shared/domain.ts';
import type { PlannerInputs, RolloutPlan } from '../../../shared/rollout-plans.ts';
import type { RolloutView } from '../../../shared/rollout-state.ts';
import { duration } from '../../core/rollout/gate.ts';
import {
  openCliCore,
  printJson,
  refOf,
  resolveFlag,
  syncFirst,
  unwrap,
  UsageError,
  type GlobalOptions,
} from '../cli-context.ts';
import { confirmOrRefuse } from './change.ts';

/**
 * Options of `rcr plan` (see the module docs): `sub` is the subcommand, `key` the flag; numbers are
 * still strings (checked by the command).
 */
export interface PlanArgs {
  sub?: string;
  key?: string;
  provider?: string;
  env?: string;
  traffic?: string;
  baselineRate?: string;
  baselineMean?: string;
  sd?: string;
  mde?: string;
  template?: string;
  alpha?: string;
  power?: string;
  file?: string;
  save?: boolean;
  reason?: string;
  yes?: boolean;
}

const USAGE =
  'usage: rcr plan templates | compute KEY --traffic N (--baseline-rate P | --baseline-mean M --sd S) --mde R [--template ID] [--save] | save KEY --file F | show KEY | advance KEY --reason TEXT [--yes] | pause|resume|approve KEY --reason TEXT';

function number(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new UsageError(`plan: --${name} must be a number, got "${text}"`);
  return n;
}

function printPlan(plan: RolloutPlan): void {
  process.stdout.write(`${plan.name}  (${plan.flag.provider}/${plan.flag.environment}/${plan.flag.key})\n`);
  const p = plan.planner;
  if (p)
    process.stdout.write(
      `planner: ${p.samplePerCohort} units per cohort at equal split to detect ${p.effect.toPrecision(3)} (${p.method})\n`,
    );
  plan.stages.forEach((s, i) => {
    const when = p?.stages[i];
    process.stdout.write(
      `  ${String(i + 1).padStart(2)}. ${s.name.padEnd(14)} ${`${s.targetPercent}%`.padStart(5)}  ${s.audience.type.padEnd(10)} ` +
        `min ${duration(s.minObservationMs).padEnd(10)} sample ≥ ${String(s.minSamplePerCohort).padEnd(8)}` +
        `${when ? ` ${when.startsAt.slice(0, 16)} → ${when.endsAt.slice(0, 16)}${when.sampleShortfall ? '  (sample short: capped at max observation)' : ''}` : ''}\n`,
    );
  });
}

function printView(v: RolloutView): void {
  if (v.plan) printPlan(v.plan);
  if (v.state)
    process.stdout.write(
      `state: ${v.state.status}, stage ${v.state.stageIndex + 1}${v.state.reason ? ` — ${v.state.reason}` : ''}\n`,
    );
  if (v.gate)
    for (const i of v.gate.items)
      process.stdout.write(`  [${i.status.padEnd(7)}] ${i.label}: ${i.evidence}\n`);
  for (const g of v.guardrails)
    process.stdout.write(`  guardrail ${g.guardrail.id.padEnd(16)} ${g.status.padEnd(9)} ${g.note}\n`);
}

/**
 * Runs an `rcr plan` subcommand; returns the exit code.
 * @throws UsageError for an unknown subcommand or a missing or non-numeric option; the error of
 * {@link resolveFlag} for KEY; CoreError when the core refuses a call; the read or JSON error of `--file`.
 */
export async function planCommand(g: GlobalOptions, a: PlanArgs): Promise<number> {
  const core = await openCliCore(g);
  try {
    if (a.sub === 'templates') {
      const t = unwrap(await core.invoke('rollout.templates', {}));
      if (g.json) printJson(t);
      else
        for (const x of t)
          process.stdout.write(`${x.id.padEnd(18)} ${x.name}\n${''.padEnd(18)} ${x.description}\n`);
      return 0;
    }
    if (!a.key) throw new UsageError(USAGE);
    await syncFirst(core, g, a.provider);
    const flag: FlagRef = refOf(resolveFlag(core, a.key, a.provider, a.env));
    if (a.sub === 'compute') {
      const traffic = number('traffic', a.traffic);
      const mde = number('mde', a.mde);
      if (traffic === undefined || mde === undefined)
        throw new UsageError(`plan compute: --traffic and --mde are required\n${USAGE}`);
      const rate = number('baseline-rate', a.baselineRate);
      const mean = number('baseline-mean', a.baselineMean);
      const sd = number('sd', a.sd);
      if ((rate === undefined) === (mean === undefined))
        throw new UsageError('plan compute: give either --baseline-rate or --baseline-mean with --sd');
      const inputs = {
        trafficPerDay: traffic,
        metric:
          rate !== undefined
            ? { kind: 'proportion', baselineRate: rate }
            : { kind: 'mean', baselineMean: mean, sd },
        minDetectableRelative: mde,
        ...(a.alpha ? { alpha: number('alpha', a.alpha) } : {}),
        ...(a.power ? { power: number('power', a.power) } : {}),
      } as PlannerInputs;
      const plan = unwrap(await core.invoke('rollout.plan', { flag, templateId: a.template, inputs }));
      if (a.save) unwrap(await core.invoke('rollout.savePlan', plan));
      if (g.json) printJson(plan);
      else {
        printPlan(plan);
        if (a.save)
          process.stdout.write(
            'saved as the flag’s plan (draft: start it with the app or `rollout.advance`)\n',
          );
      }
      return 0;
    }
    if (a.sub === 'save') {
      if (!a.file) throw new UsageError(`plan save: --file is required\n${USAGE}`);
      const raw = JSON.parse(fs.readFileSync(a.file, 'utf8')) as Record<string, unknown>;
      const view = unwrap(await core.invoke('rollout.savePlan', { ...raw, flag } as RolloutPlan));
      if (g.json) printJson(view);
      else printView(view);
      return 0;
    }
    if (a.sub === 'show') {
      const view = unwrap(await core.invoke('rollout.get', { flag }));
      if (g.json) printJson(view);
      else printView(view);
      return 0;
    }
    if (a.sub === 'advance' || a.sub === 'pause' || a.sub === 'resume' || a.sub === 'approve') {
      if (!a.reason) throw new UsageError(`plan ${a.sub}: --reason is required`);
      if (a.sub === 'advance')
        await confirmOrRefuse(a.yes === true, unwrap(await core.invoke('rollout.previewAdvance', { flag })));
      const channel = `rollout.${a.sub}` as const;
      const view = unwrap(await core.invoke(channel, { flag, reason: a.reason }));
      await core.rollouts.outboxIdle();
      const fresh = unwrap(await core.invoke('rollout.get', { flag }));
      if (g.json) printJson(fresh);
      else printView(view.state ? fresh : view);
      return 0;
    }
    throw new UsageError(USAGE);
  } finally {
    await core.close();
  }
}
