/**
 * Guardrail definitions: defining (checked against the flag's metrics), listing and removing a
 * flag's guardrails. A defined or removed guardrail's live state is dropped.
 */
import type { FlagRef } from '../../../shared/domain.ts';
import { GuardrailSchema, type Guardrail } from '../../../shared/guardrails.ts';
import { CoreError } from '../errors.ts';
import type { GuardrailLiveState } from './guardrail-live-state.ts';
import type { RolloutContext } from './rollout-context.ts';

/** Defines, lists and removes guardrails. */
export class GuardrailDefinitions {
  private readonly ctx: RolloutContext;
  private readonly live: GuardrailLiveState;

  constructor(ctx: RolloutContext, live: GuardrailLiveState) {
    this.ctx = ctx;
    this.live = live;
  }

  /** Guardrails of a flag (of every flag when omitted), by flag and id. */
  list(flag?: FlagRef): Guardrail[] {
    return this.ctx.store.guardrails(flag);
  }

  /**
   * Creates or replaces a guardrail.
   * @throws CoreError NOT_FOUND for an unknown flag; BAD_INPUT for a metric not defined for the flag
   *   or a kind the metric cannot have (a statistical guardrail on a quantile metric, a quantile
   *   statistic on a non-quantile metric).
   */
  define(input: Guardrail): Guardrail {
    const { d, store } = this.ctx;
    const g = GuardrailSchema.parse(input);
    this.ctx.requireFlag(g.flag);
    const def = d.metrics.list(g.flag).find((m) => m.name === g.metric);
    if (!def) {
      const known = d.metrics.list(g.flag).map((m) => m.name);
      throw new CoreError(
        'BAD_INPUT',
        `metric: "${g.metric}" is not defined for flag "${g.flag.key}" (${known.length ? `defined: ${known.join(', ')}` : 'no metrics defined; use metrics.define first'})`,
      );
    }
    if (g.kind.type === 'statistical' && def.kind === 'quantile')
      throw new CoreError(
        'BAD_INPUT',
        `kind: a statistical guardrail needs a binomial, continuous or ratio metric; "${def.name}" is a quantile metric`,
      );
    if (g.kind.type !== 'statistical' && g.kind.statistic !== 'mean' && def.kind !== 'quantile')
      throw new CoreError(
        'BAD_INPUT',
        `kind.statistic: ${g.kind.statistic} needs a quantile metric; "${def.name}" is ${def.kind}`,
      );
    store.defineGuardrail(g);
    this.live.forget(g.flag, g.id);
    this.ctx.changed(g.flag, 'guardrail-defined');
    return g;
  }

  /** Removes a guardrail and its last evaluation; false when the flag had no such guardrail. */
  remove(flag: FlagRef, id: string): boolean {
    const removed = this.ctx.store.removeGuardrail(flag, id);
    this.live.forget(flag, id);
    if (removed) this.ctx.changed(flag, 'guardrail-removed');
    return removed;
  }
}
