/** Contract handlers of staged rollouts (`rollout.*`, `guardrails.*`, `monitor.*`, `decisions.*`, `incidents.*`, `outbox.*`). */
import type { Handlers } from '../handler-types.ts';
import type { Monitor } from './monitor.ts';
import type { RolloutService } from './rollout-service.ts';

type RolloutChannel =
  | 'rollout.templates'
  | 'rollout.plan'
  | 'rollout.savePlan'
  | 'rollout.get'
  | 'rollout.list'
  | 'rollout.advance'
  | 'rollout.previewAdvance'
  | 'rollout.pause'
  | 'rollout.resume'
  | 'rollout.rollback'
  | 'rollout.approve'
  | 'guardrails.define'
  | 'guardrails.list'
  | 'guardrails.remove'
  | 'monitor.evaluateNow'
  | 'monitor.status'
  | 'decisions.list'
  | 'decisions.export'
  | 'incidents.list'
  | 'outbox.list';

/**
 * The handlers; `leader` says whether this process holds the monitor lease and which process
 * does (for `monitor.status`).
 */
export function rolloutHandlers(
  service: RolloutService,
  monitor: Monitor,
  leader: () => { leader: boolean; monitorProcess: string | null },
): Handlers<RolloutChannel> {
  return {
    'rollout.templates': async () => [...service.templates()],
    'rollout.plan': async (input) => service.computePlan(input),
    'rollout.savePlan': async (plan) => service.savePlan(plan),
    'rollout.get': async ({ flag }) => service.freshView(flag),
    'rollout.list': async () => service.monitoredFlags().map((f) => service.view(f)),
    'rollout.advance': async ({ flag, reason, toStage }) => service.advance(flag, reason, toStage),
    'rollout.previewAdvance': async ({ flag, toStage }) => service.previewAdvance(flag, toStage),
    'rollout.pause': async ({ flag, reason }) => service.pause(flag, reason),
    'rollout.resume': async ({ flag, reason }) => service.resume(flag, reason),
    'rollout.rollback': async ({ flag, reason, target }) => {
      await service.rollback(flag, reason, target);
      return service.view(flag);
    },
    'rollout.approve': async ({ flag, reason }) => service.approve(flag, reason),
    'guardrails.define': async (g) => service.defineGuardrail(g),
    'guardrails.list': async ({ flag }) => service.guardrails(flag),
    'guardrails.remove': async ({ flag, id }) => ({ removed: service.removeGuardrail(flag, id) }),
    'monitor.evaluateNow': async ({ flag }) => monitor.runOnce(flag),
    'monitor.status': async () => ({
      ...monitor.status(),
      ...leader(),
      pendingActions: service.pendingActionCount(),
    }),
    'decisions.list': async (f) => service.decisions(f),
    'decisions.export': async (f) => service.exportDecisions(f),
    'incidents.list': async ({ includeClosed }) => service.incidents(includeClosed),
    'outbox.list': async (f) => service.outboxActions(f),
  };
}
