/** "Projected change": the sentence, the precision interval, and current vs candidate in numbers. */
import { useId } from 'react';
import type { FleetRow } from '../../../shared/domain.ts';
import type { SweepPoint, SweepSeries } from '../../../shared/simulator.ts';
import { thresholdText } from './simulator-model.ts';
import { selectUsersPerDay, setUsersPerDay, useSimulatorStore } from './simulator-store.ts';
import { formatPct, projectChange } from './projection.ts';

const ROWS: { label: string; value: (p: SweepPoint) => string }[] = [
  { label: 'Coverage (AI answer shown)', value: (p) => formatPct(p.coverage) },
  { label: 'Falls back', value: (p) => formatPct(p.fallbackRate) },
  {
    label: 'Wrong answers shown (1 − precision)',
    value: (p) => (p.precision === null ? 'undefined: nothing covered' : formatPct(1 - p.precision)),
  },
  {
    label: 'Precision',
    value: (p) => (p.precision === null ? 'undefined: nothing covered' : formatPct(p.precision)),
  },
  { label: 'Recall', value: (p) => (p.recall === null ? 'undefined: no positives' : formatPct(p.recall)) },
  { label: 'FPR', value: (p) => (p.fpr === null ? 'undefined: no negatives' : formatPct(p.fpr)) },
];

/** The projected change of moving `flag` to the `candidate` threshold (0–1) on a sweep. */
export function ProjectedChange({
  series,
  flag,
  candidate,
}: {
  series: SweepSeries;
  flag: FleetRow;
  candidate: number;
}) {
  const id = useId();
  const usersText = useSimulatorStore((s) => s.usersPerDay);
  const usersPerDay = useSimulatorStore(selectUsersPerDay);
  const current = flag.layers.confidenceThreshold;
  const projection = projectChange({
    series,
    current,
    candidate,
    usersPerDay,
    rolloutPercent: flag.layers.rolloutPercent,
    enabled: flag.layers.enabled,
  });
  const usersInvalid = usersPerDay === null;

  return (
    <section className="panel projected" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Projected change</h3>
      {projection ? (
        <>
          <p className="projection-sentence" data-testid="projection-sentence">
            {projection.sentence}
          </p>
          <p className="projection-interval">{projection.interval}</p>
          <table className="sim-table compact" aria-label="Current and candidate">
            <thead>
              <tr>
                <th scope="col">At threshold</th>
                <th scope="col" className="num">
                  current {current === null ? '(none = 0)' : thresholdText(current)}
                </th>
                <th scope="col" className="num">
                  candidate {thresholdText(candidate)}
                </th>
              </tr>
            </thead>
            <tbody>
              {ROWS.map((r) => (
                <tr key={r.label}>
                  <th scope="row">{r.label}</th>
                  <td className="num">{r.value(projection.current)}</td>
                  <td className="num">{r.value(projection.candidate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <p className="muted">This slice has no predictions.</p>
      )}
      <div className="field field-row">
        <label htmlFor={`${id}-users`}>Users per day</label>
        <input
          id={`${id}-users`}
          type="text"
          inputMode="numeric"
          className="num"
          value={usersText}
          aria-invalid={usersInvalid}
          aria-describedby={`${id}-users-hint`}
          onChange={(e) => setUsersPerDay(e.target.value)}
        />
        <span id={`${id}-users-hint`} className={usersInvalid ? 'field-error' : 'hint'}>
          {usersInvalid
            ? 'Enter a number of users per day (e.g. 10000) to see wrong answers per day.'
            : `Assumes one AI request per user per day; rollout ${
                flag.layers.enabled
                  ? flag.layers.rolloutPercent === null
                    ? 'not set (everyone)'
                    : `${flag.layers.rolloutPercent}%`
                  : '0% (the flag is killed)'
              } from the flag.`}
        </span>
      </div>
    </section>
  );
}
