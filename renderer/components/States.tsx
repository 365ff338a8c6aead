/** Shared loading and error states of a view. */
import type { ApiError } from '../../shared/contract.ts';

/**
 * A view that failed to load `what`: the error, hints for an unreachable server or a missing token, and
 * Retry when `onRetry` is given.
 */
export function ErrorState({
  error,
  what,
  onRetry,
}: {
  error: ApiError;
  what: string;
  onRetry?: () => void;
}) {
  const unreachable = error.message.startsWith('control room server unreachable');
  return (
    <div className="state state-error" role="alert" data-error-code={error.code}>
      <h2>{unreachable ? 'Control room server unreachable' : `Could not load ${what}`}</h2>
      <p className="error-text">{error.message}</p>
      {unreachable ? (
        <p className="muted">Is `rcr serve` still running? The page retries automatically.</p>
      ) : null}
      {error.code === 'FORBIDDEN' ? (
        <p className="muted">
          Open the control room with the URL that `rcr serve` printed (it carries the session token).
        </p>
      ) : null}
      {onRetry ? (
        <button type="button" className="btn" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

/** A view still loading `what` (e.g. "the fleet"): spinner and text, announced politely. */
export function LoadingState({ what }: { what: string }) {
  return (
    <div className="state state-loading" aria-live="polite" aria-busy="true">
      <div className="spinner" aria-hidden="true" />
      <p>Loading {what}…</p>
    </div>
  );
}
