/** Where the rollout is: every stage with its %, audience and dates; time at and left of the current stage. */
import type { RolloutView } from '../../../shared/rollout-state.ts';
import { formatDateTime, formatPercent, formatDuration } from '../../lib/format.ts';
import { timelineModel } from './timeline-model.ts';
import { RolloutStatusBadge } from './StatusBadges.tsx';

const PHASE_TEXT = { done: 'done', current: 'current stage', upcoming: 'upcoming' } as const;

/** The stage timeline of a rollout view at time `now` (epoch ms). */
export function StageTimeline({ view, now }: { view: RolloutView; now: number }) {
  const t = timelineModel(view, now);
  if (!t) return null;
  const cur = t.current;
  return (
    <section className="panel ro-timeline" aria-labelledby="ro-timeline-h" data-stage-index={t.stageIndex}>
      <div className="ro-section-head">
        <h3 id="ro-timeline-h">Stage timeline</h3>
        <RolloutStatusBadge status={t.status} />
      </div>
      <p className="ro-where" data-testid="rollout-where">
        {cur ? (
          <>
            At stage {cur.index + 1} of {t.stages.length}: <strong>{cur.name}</strong> (
            {formatPercent(cur.targetPercent)}, {cur.audience}).{' '}
            {t.awaitingProvider ? (
              <span className="ro-awaiting">Waiting for the provider to confirm the stage change.</span>
            ) : t.remainingMs !== null && t.elapsedMs !== null && t.status !== 'rolled-back' ? (
              <span data-testid="rollout-time-left">
                {formatDuration(t.elapsedMs)} at this stage;{' '}
                {t.remainingMs > 0
                  ? `${formatDuration(t.remainingMs)} left of the minimum observation`
                  : 'minimum observation elapsed'}
                .
              </span>
            ) : null}
          </>
        ) : t.status === 'completed' ? (
          'The rollout is complete.'
        ) : (
          <>Not started: stage 1 is applied when an operator starts the rollout.</>
        )}
        {view.state?.reason ? <span className="ro-reason"> Reason: {view.state.reason}</span> : null}
      </p>
      {cur && t.progress !== null ? (
        <progress
          className="ro-progress"
          max={1}
          value={t.progress}
          aria-label={`Minimum observation of stage ${cur.index + 1}`}
        />
      ) : null}
      <ol className="ro-stages" aria-label="Stages">
        {t.stages.map((s) => (
          <li
            key={s.index}
            className={`ro-stage ro-stage-${s.phase}`}
            data-phase={s.phase}
            data-stage={s.index}
            aria-current={s.phase === 'current' ? 'step' : undefined}
          >
            <div className="ro-stage-pct">{formatPercent(s.targetPercent)}</div>
            <div className="ro-stage-name">{s.name}</div>
            <div className="muted small">{s.audience}</div>
            <div className="muted small">
              ≥ {formatDuration(s.minObservationMs)}
              {s.minSamplePerCohort ? ` · ≥ ${s.minSamplePerCohort.toLocaleString('en-US')}/cohort` : ''}
            </div>
            <div className="muted small">
              {s.autoAdvance ? 'auto-advance' : 'manual advance'}
              {s.approvalsRequired
                ? ` · ${s.phase === 'current' ? `${t.approvalsGiven}/` : ''}${s.approvalsRequired} approval${s.approvalsRequired > 1 ? 's' : ''}`
                : ''}
            </div>
            {s.startsAt && s.phase !== 'done' ? (
              <div className="small ro-stage-dates">
                <time dateTime={s.startsAt}>{formatDateTime(s.startsAt)}</time>
                {s.endsAt ? (
                  <>
                    {' → '}
                    <time dateTime={s.endsAt}>{formatDateTime(s.endsAt)}</time>
                  </>
                ) : null}
              </div>
            ) : null}
            <span className="sr-only">{PHASE_TEXT[s.phase]}</span>
          </li>
        ))}
      </ol>
      {t.expectedEndAt && t.status !== 'completed' && t.status !== 'rolled-back' ? (
        <p className="muted small">
          Expected end of the last stage (from the minimum observation times):{' '}
          <time dateTime={t.expectedEndAt}>{formatDateTime(t.expectedEndAt)}</time>
        </p>
      ) : null}
    </section>
  );
}
