/** A failed change's note says what its audit row holds: failed, pending (outcome unknown), or nothing recorded. */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { AuditOutcomeNote } from './AuditOutcomeNote.tsx';

describe('AuditOutcomeNote', () => {
  it('says "recorded as failed" only when the audit row failed', () => {
    const html = renderToStaticMarkup(
      <AuditOutcomeNote message="Cannot reach Unleash (ECONNREFUSED) (audit #4: failed)" />,
    );
    expect(html).toContain('data-audit-status="failed"');
    expect(html).toContain('recorded as failed in the audit log (#4)');
  });

  it('says the outcome is unknown while the audit row is pending', () => {
    const html = renderToStaticMarkup(
      <AuditOutcomeNote
        message={
          'timeout; whether the change reached the provider is unknown — it is reconciled by re-reading "f" (audit #7: pending)'
        }
      />,
    );
    expect(html).toContain('data-audit-status="pending"');
    expect(html).toContain('audit #7 stays pending');
    expect(html).not.toContain('recorded as failed');
  });

  it('claims nothing about the audit log when the change was refused before it was recorded', () => {
    expect(renderToStaticMarkup(<AuditOutcomeNote message="another change to f is in flight" />)).toBe('');
    expect(renderToStaticMarkup(<AuditOutcomeNote message={undefined} />)).toBe('');
  });
});
