import { describe, expect, it } from 'vitest';
import { createNotificationThrottle, notificationFields, type Notify } from './notifications-policy.ts';

const breach: Notify = {
  title: 'Guardrail breached: error rate',
  body: 'error rate 4.1 % > 2 %; rolled back to 0 %',
  severity: 'critical',
  flag: { provider: 'local', environment: 'production', key: 'ai-answer-assist' },
};

describe('notification policy', () => {
  it('formats a critical breach with the flag and a sticky urgency', () => {
    const f = notificationFields(breach);
    expect(f.title).toBe('⛔ Guardrail breached: error rate');
    expect(f.body).toBe('ai-answer-assist (local/production): error rate 4.1 % > 2 %; rolled back to 0 %');
    expect(f.urgency).toBe('critical');
    expect(f.silent).toBe(false);
    expect(notificationFields({ ...breach, severity: 'info', flag: null }).silent).toBe(true);
  });

  it('strips control characters and clips long text', () => {
    const f = notificationFields({
      ...breach,
      title: `a\u0007b\u001b[31m${'x'.repeat(500)}`,
      body: 'y'.repeat(2000),
    });
    // eslint-disable-next-line no-control-regex
    expect(f.title).not.toMatch(/[\u0000-\u001f]/);
    expect(f.title.length).toBeLessThanOrEqual(120);
    expect(f.body.length).toBeLessThanOrEqual(500);
  });

  it('throttles repeats of the same notification within the window', () => {
    const show = createNotificationThrottle(60_000);
    expect(show(breach, 0)).toBe(true);
    expect(show(breach, 30_000)).toBe(false);
    expect(show({ ...breach, title: 'Auto-rollback done' }, 30_000)).toBe(true);
    expect(show({ ...breach, flag: { ...breach.flag!, key: 'other' } }, 30_000)).toBe(true);
    expect(show(breach, 60_000)).toBe(true);
  });
});
