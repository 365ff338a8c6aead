import { beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../api/current.ts';
import { createMockApi, type MockApi } from '../../../test/fakes/fake-api.ts';
import { makeRow } from '../../../test/fakes/fake-fleet.ts';
import { makeMetricDefinition } from '../../../test/fakes/fake-metrics.ts';
import {
  latestRollback,
  outboxPurpose,
  refreshIncidents,
  resetIncidentStore,
  setIncludeClosed,
  setOutboxFilter,
  useIncidentStore,
} from './incident-store.ts';
import {
  dismissBanner,
  MAX_BANNERS,
  pushNotify,
  startNotifyBanners,
  useNotifyStore,
} from './notify-store.ts';

const ref = { provider: 'local', environment: 'production', key: 'ai-answer-assist' };
let mock: MockApi;
const s = () => useIncidentStore.getState();

beforeEach(async () => {
  resetIncidentStore();
  useNotifyStore.setState({ banners: [] });
  mock = createMockApi({
    rows: [makeRow({ key: 'ai-answer-assist' })],
    metrics: [{ definition: makeMetricDefinition(ref, 'error_rate') }],
    guardrailValue: () => 0.3,
  });
  setApi(mock);
});

async function breachAndRollBack() {
  await mock.invoke('guardrails.define', {
    flag: ref,
    id: 'err',
    metric: 'error_rate',
    kind: { type: 'absolute', statistic: 'mean', limit: 0.05, breachWhen: 'above' },
    action: 'rollback',
    consecutiveBreaches: 1,
  });
  await mock.invoke('monitor.evaluateNow', { flag: ref });
}

describe('incident store', () => {
  it('is empty (all clear) before anything happens', async () => {
    await refreshIncidents();
    expect(s().status).toBe('ready');
    expect(s().incidents).toEqual([]);
    expect(s().outbox).toEqual([]);
  });

  it('lists a rolled-back flag with the decision that led there and the confirmed rollback', async () => {
    await breachAndRollBack();
    await refreshIncidents();
    expect(s().incidents).toHaveLength(1);
    const inc = s().incidents[0]!;
    expect(inc).toMatchObject({
      flag: ref,
      kind: 'killed',
      state: 'open',
      openedBy: 'monitor',
      closedAt: null,
    });
    expect(inc.decisions.map((d) => [d.action, d.actor, d.rule])).toEqual([
      ['rollback', 'monitor', 'guardrail:err:consecutive-breaches'],
    ]);
    const rb = latestRollback(s().outbox, ref);
    expect(rb?.status).toBe('confirmed');
    expect(rb && outboxPurpose(rb)).toBe('rollback');
    expect(latestRollback(s().outbox, { ...ref, key: 'other' })).toBeNull();
  });

  it('restarting the rollout closes the incident; closed ones show only when asked', async () => {
    await breachAndRollBack();
    // A rolled-back flag is restarted with an advance, which closes its incidents.
    await mock.invoke('rollout.savePlan', {
      flag: ref,
      name: 'p',
      templateId: null,
      stages: [
        {
          name: '10 %',
          targetPercent: 10,
          audience: { type: 'everyone' },
          minObservationMs: 0,
          minSamplePerCohort: 0,
          gate: { nonInferiorityMargin: 0.02, businessMetrics: [] },
          approvalsRequired: 0,
          autoAdvance: false,
        },
      ],
      planner: null,
    });
    await mock.invoke('rollout.advance', { flag: ref, reason: 'restart after fix' });
    await refreshIncidents();
    expect(s().incidents).toEqual([]);
    await setIncludeClosed(true);
    expect(s().incidents.map((i) => i.closedAt !== null)).toEqual([true]);
  });

  it('filters the outbox by status and keeps the list when a refresh fails', async () => {
    await breachAndRollBack();
    await refreshIncidents();
    await setOutboxFilter('failed');
    expect(s().outbox).toEqual([]);
    expect(mock.calls.at(-1)?.input).toEqual({ status: 'failed' });
    await setOutboxFilter(null);
    expect(s().outbox).toHaveLength(1);
    mock.failNext('incidents.list', { code: 'INTERNAL', message: 'boom' });
    await refreshIncidents();
    expect(s().status).toBe('ready');
    expect(s().incidents).toHaveLength(1);
    expect(s().error?.message).toBe('boom');
  });
});

describe('notify banners', () => {
  const n = (title: string, severity: 'info' | 'warning' | 'critical' = 'info') => ({
    title,
    body: 'b',
    severity,
    flag: ref,
  });

  it('shows notify events, critical first, counts repeats, caps the list, dismisses', () => {
    const stop = startNotifyBanners();
    mock.emit('notify', n('a'));
    mock.emit('notify', n('rollback', 'critical'));
    mock.emit('notify', n('a'));
    stop();
    mock.emit('notify', n('after stop'));
    const banners = useNotifyStore.getState().banners;
    expect(banners.map((b) => [b.notify.title, b.count])).toEqual([
      ['rollback', 1],
      ['a', 2],
    ]);
    dismissBanner(banners[0]!.id);
    expect(useNotifyStore.getState().banners.map((b) => b.notify.title)).toEqual(['a']);
    for (let i = 0; i < 10; i++) pushNotify(n(`x${i}`));
    expect(useNotifyStore.getState().banners).toHaveLength(MAX_BANNERS);
  });
});
