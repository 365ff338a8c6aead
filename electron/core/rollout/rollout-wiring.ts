/**
 * The rollout side of one core, wired: the rollout service (plans, guardrails, decisions, the
 * outbox) and the monitor that evaluates it, configured from config.json `rollouts`.
 */
import type { Config } from '../config.ts';
import { Monitor } from './monitor.ts';
import type { RolloutDeps } from './rollout-context.ts';
import { RolloutService } from './rollout-service.ts';

/** Newest decision records kept when config.json does not say (`rollouts.decisionRetention`). */
const DEFAULT_DECISION_RETENTION = 50_000;

/** The rollout service's dependencies, less what comes from config.json. */
export type RolloutWiringOptions = Omit<RolloutDeps, 'webhook' | 'options'> & {
  /** config.json `rollouts` (webhook, decision retention). */
  config: Config['rollouts'];
  /** The environment the webhook secret is read from (`rollouts.webhook.secretEnv`). */
  env: NodeJS.ProcessEnv;
};

/** Builds the rollout service and its monitor (not started). */
export function openRollouts(o: RolloutWiringOptions): { service: RolloutService; monitor: Monitor } {
  const { config, env, ...deps } = o;
  const decisionRetention = config?.decisionRetention ?? DEFAULT_DECISION_RETENTION;
  const service = new RolloutService({
    ...deps,
    webhook: () => {
      const w = config?.webhook;
      const secret = w ? env[w.secretEnv] : undefined;
      return w && secret ? { url: w.url, secret } : null;
    },
    options: { decisionRetention },
  });
  const monitor = new Monitor({
    service,
    now: o.now,
    decisionRetention,
    emitChanged: (flag, reason) =>
      o.emit('rollout.changed', { flag, reason, at: new Date(o.now()).toISOString() }),
  });
  return { service, monitor };
}
