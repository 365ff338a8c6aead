/**
 * Incident drill (issue 6) against a real Unleash + PostgreSQL and a real Prometheus: the fixture
 * service serves control / treatment by evaluating the Unleash flag through the official
 * `unleash-client` SDK at 50 req/s; the control room's monitor (5 s interval) advances the plan
 * 10 % → 50 %, does not act during an A/A period, then — after treatment's error rate is doubled —
 * detects the breach and rolls back through Unleash. See test/support/rollout-drill.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrill, startDrillEnvironment, type DrillEnv } from '../support/rollout-drill.ts';

let env: DrillEnv | undefined;
const log = (line: string) => console.info(`[drill] ${line}`);

beforeAll(async () => {
  env = await startDrillEnvironment({ requestsPerSecond: 50, monitorIntervalMs: 5000, log });
}, 300_000);

afterAll(async () => {
  await env?.stop();
});

describe('rollout incident drill (real Unleash, real Prometheus)', () => {
  it('advances 10 → 50 %, holds through A/A, rolls back through Unleash after a 2× error-rate fault', async () => {
    const r = await runDrill(env!, { key: 'ai-drill', aaSeconds: 60, faultTimeoutMs: 180_000, log });
    // The provider confirmed the rollback; Unleash itself shows the flag off.
    expect(r.action).toMatchObject({ status: 'confirmed', kind: 'flag-change' });
    expect(r.action.auditId).not.toBeNull();
    expect(r.unleashEnabled).toBe(false);
    // The fixture evaluates the flag through the SDK: no treatment after the rollback.
    expect(r.treatmentBefore).toBeGreaterThan(100);
    expect(r.treatmentAfterRollback).toBe(0);
    // The decision record explains it, with its inputs.
    expect(r.rollback).toMatchObject({
      actor: 'monitor',
      action: 'rollback',
      rule: 'guardrail:error-rate:consecutive-breaches',
    });
    expect(r.rollback.rationale).toMatch(
      /^Rolled back \(kill\) because guardrail "error-rate" on errors fired: treatment is worse on errors/,
    );
    const g = r.rollback.inputs.guardrails[0]!;
    expect(g.status).toBe('breached');
    expect(g.consecutive).toBeGreaterThanOrEqual(2);
    expect(g.value).toBeGreaterThan(0); // the one-sided lower bound of Δ is above the limit 0
    expect(g.interval).not.toBeNull();
    expect(g.control.n).toBeGreaterThan(100);
    expect(g.treatment.n).toBeGreaterThan(100);
    expect(g.treatment.value!).toBeGreaterThan(g.control.value!);
    expect(r.rollback.inputs.plan).toMatchObject({ targetPercent: 50 });
    expect(r.aaDecisions.every((d) => d.action !== 'rollback')).toBe(true);
    console.info(`time-to-rollback-seconds: ${(r.timeToRollbackMs / 1000).toFixed(1)}`);
    expect(r.timeToRollbackMs).toBeGreaterThan(0);
  }, 480_000);
});
