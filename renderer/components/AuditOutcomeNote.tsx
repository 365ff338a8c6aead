/**
 * What a failed change's error says about its audit row, in words, from the core's message:
 * "(audit #N: failed)" → recorded as failed; "(audit #N: pending)" → the outcome is unknown and
 * is settled by re-reading the flag. Nothing when the message names no audit row (the change
 * was refused before anything was recorded).
 */
export function AuditOutcomeNote({ message }: { message: string | undefined }) {
  const audit = /audit #(\d+): (failed|pending)\)/.exec(message ?? '');
  if (!audit) return null;
  return (
    <p className="muted" data-audit-status={audit[2]}>
      {audit[2] === 'failed'
        ? `The attempt is recorded as failed in the audit log (#${audit[1]}).`
        : `The provider's answer was lost, so whether the change was applied is not known yet: audit #${audit[1]} stays pending until the next read of the flag settles it.`}
    </p>
  );
}
