/** The candidate threshold: a keyboard-accessible slider (step 0.01) with a number input next to it. */
import { useId, useState } from 'react';
import { thresholdText, toGrid } from './simulator-model.ts';
import { setCandidate } from './simulator-store.ts';

/**
 * The candidate-threshold slider and input (0–1); `current` is the flag's threshold (`null`: none),
 * with a "Back to current" button.
 */
export function ThresholdControl({ candidate, current }: { candidate: number; current: number | null }) {
  const id = useId();
  const [draft, setDraftText] = useState(() => thresholdText(candidate));
  // The candidate the draft was last synced with: a change from elsewhere (slider, "Use") rewrites the draft.
  const [synced, setSynced] = useState(candidate);
  if (synced !== candidate) {
    setSynced(candidate);
    setDraftText(thresholdText(candidate));
  }
  const parsed = draft.trim() === '' ? Number.NaN : Number(draft);
  const invalid = !(parsed >= 0 && parsed <= 1);

  return (
    <div className="threshold-control">
      <label htmlFor={`${id}-slider`} className="threshold-label">
        Candidate threshold
      </label>
      <input
        id={`${id}-slider`}
        className="threshold-slider"
        type="range"
        min={0}
        max={1}
        step={0.01}
        value={candidate}
        aria-valuetext={thresholdText(candidate)}
        aria-describedby={`${id}-current`}
        onChange={(e) => setCandidate(Number(e.target.value))}
      />
      <input
        className="threshold-number num"
        type="number"
        min={0}
        max={1}
        step={0.01}
        inputMode="decimal"
        aria-label="Candidate threshold value"
        aria-invalid={invalid}
        aria-describedby={invalid ? `${id}-err` : undefined}
        value={draft}
        onChange={(e) => {
          const text = e.target.value;
          setDraftText(text);
          const n = text.trim() === '' ? Number.NaN : Number(text);
          const g = n >= 0 && n <= 1 ? toGrid(n) : null;
          if (g !== null) {
            setSynced(g);
            setCandidate(g);
          }
        }}
        onBlur={() => setDraftText(thresholdText(candidate))}
      />
      <span id={`${id}-current`} className="muted threshold-current">
        current: <strong className="num">{current === null ? 'none' : thresholdText(current)}</strong>
      </span>
      {current !== null && current !== candidate ? (
        <button type="button" className="btn btn-ghost btn-small" onClick={() => setCandidate(current)}>
          Back to current
        </button>
      ) : null}
      {invalid ? (
        <span id={`${id}-err`} role="alert" className="field-error">
          Enter a threshold between 0 and 1.
        </span>
      ) : null}
    </div>
  );
}
