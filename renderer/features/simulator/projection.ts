/**
 * The projected change of moving the confidence threshold, in plain numbers.
 *
 * Wrong answers shown = 1 − precision (among covered requests); requests that
 * fall back = fallbackRate; wrong answers per day = exposed users × coverage ×
 * (1 − precision), where exposed = users/day × rollout % (0 when killed),
 * assuming one AI request per user per day. Pure functions.
 */
import type { SweepPoint, SweepSeries } from '../../../shared/simulator.ts';
import { pointAt, thresholdText } from './simulator-model.ts';

/** `2.1%`, `0.6%`, `14%`, `<0.1%`, `>99.9%`; `—` for null. */
export function formatPct(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  const v = Math.abs(fraction) * 100;
  const sign = fraction < 0 ? '−' : '';
  if (v === 0) return '0%';
  if (v < 0.1) return `${sign}<0.1%`;
  if (v > 99.9 && v < 100) return `${sign}>99.9%`;
  if (v < 10 || v > 90) return `${sign}${Number(v.toFixed(1))}%`;
  return `${sign}${Math.round(v)}%`;
}

/** `12,345`, `≈ 1.2` for small non-integers. */
export function formatCount(n: number): string {
  if (n !== 0 && Math.abs(n) < 10 && !Number.isInteger(n)) return String(Number(n.toFixed(1)));
  return Math.round(n).toLocaleString('en-US');
}

/** Share of all requests that get a wrong AI answer: coverage × (1 − precision); 0 when nothing is covered. */
export function wrongShare(p: SweepPoint): number {
  return p.precision === null ? 0 : p.coverage * (1 - p.precision);
}

/** What the projection needs: the sweep, both thresholds (0–1), traffic and the flag's layers. */
export interface ProjectionInput {
  series: SweepSeries | null;
  /** The flag's current threshold; `null` = no threshold (everything shown, i.e. 0). */
  current: number | null;
  candidate: number;
  /** `null` when the field is empty or invalid. */
  usersPerDay: number | null;
  /** The flag's rollout %; `null` = no rollout layer (everyone). */
  rolloutPercent: number | null;
  /** The kill switch; `false` = killed (nobody sees AI answers). */
  enabled: boolean;
}

/** The projected change between the current and the candidate threshold. */
export interface Projection {
  current: SweepPoint;
  candidate: SweepPoint;
  /** Users per day who get the AI path today (users × rollout), or `null` without users/day. */
  exposedPerDay: number | null;
  /** Wrong answers shown per day at the current / candidate threshold, or `null`. */
  wrongPerDayNow: number | null;
  wrongPerDayThen: number | null;
  /** The sentence(s) for the "Projected change" region. */
  sentence: string;
  /** The precision and its 95% interval at the candidate, in words. */
  interval: string;
}

/** Wrong-answer rate among covered requests, or the words for "undefined". */
function wrongRateText(p: SweepPoint): string | null {
  return p.precision === null ? null : formatPct(1 - p.precision);
}

function wrongAnswersPart(cur: SweepPoint, cand: SweepPoint, same: boolean): string {
  const now = wrongRateText(cur);
  const then = wrongRateText(cand);
  const at = thresholdText(cand.threshold);
  if (same) {
    return then === null
      ? `precision undefined: nothing covered at ${at}, so no AI answers are shown`
      : `wrong answers shown are ${then} of covered requests`;
  }
  if (then === null && now === null) return 'precision undefined: nothing covered at either threshold';
  if (then === null)
    return `precision undefined: nothing covered at ${at}, so no AI answers are shown (today ${now} of covered requests are wrong)`;
  if (now === null)
    return `precision undefined today: nothing covered at ${thresholdText(cur.threshold)}; at ${at}, ${then} of covered requests would be wrong`;
  const a = 1 - cur.precision!;
  const b = 1 - cand.precision!;
  if (now === then) return `wrong answers shown stay at ${then} of covered requests`;
  return `wrong answers shown ${b < a ? 'fall' : 'rise'} from ${now} to ${then} of covered requests`;
}

function fallbackPart(cur: SweepPoint, cand: SweepPoint, same: boolean): string {
  if (same) return `${formatPct(cand.fallbackRate)} of all requests fall back`;
  const d = cand.fallbackRate - cur.fallbackRate;
  if (Math.abs(d) < 0.0005) return `the same share of requests falls back (${formatPct(cand.fallbackRate)})`;
  return `${formatPct(Math.abs(d))} ${d > 0 ? 'more' : 'fewer'} of all requests fall back (${formatPct(
    cand.fallbackRate,
  )} instead of ${formatPct(cur.fallbackRate)})`;
}

function exposureText(usersPerDay: number, rolloutPercent: number | null): string {
  const users = `~${formatCount(usersPerDay)} users/day`;
  return rolloutPercent === null
    ? `at today's exposure (no rollout layer: all of ${users})`
    : `at today's rollout (${Number(rolloutPercent.toFixed(2))}% of ${users})`;
}

/** The projected change from the current to the candidate threshold, or `null` without a series. */
export function projectChange(input: ProjectionInput): Projection | null {
  const currentT = input.current ?? 0;
  const cur = pointAt(input.series, currentT);
  const cand = pointAt(input.series, input.candidate);
  if (!cur || !cand) return null;
  const same = cur.threshold === cand.threshold;
  const exposedPerDay =
    input.usersPerDay === null
      ? null
      : input.enabled
        ? input.usersPerDay * ((input.rolloutPercent ?? 100) / 100)
        : 0;
  const wrongPerDayNow = exposedPerDay === null ? null : exposedPerDay * wrongShare(cur);
  const wrongPerDayThen = exposedPerDay === null ? null : exposedPerDay * wrongShare(cand);

  const head = same
    ? `At ${thresholdText(cand.threshold)} (the current threshold)`
    : input.current === null
      ? `At ${thresholdText(cand.threshold)} instead of no threshold (every answer shown)`
      : `At ${thresholdText(cand.threshold)} instead of ${thresholdText(cur.threshold)}`;
  const parts = [wrongAnswersPart(cur, cand, same), fallbackPart(cur, cand, same)];

  if (input.usersPerDay !== null && wrongPerDayNow !== null && wrongPerDayThen !== null) {
    if (!input.enabled) {
      parts.push('the flag is killed, so today nobody sees AI answers (0 wrong answers per day)');
    } else {
      const exposure = exposureText(input.usersPerDay, input.rolloutPercent);
      if (same) {
        parts.push(`${exposure} that is ≈ ${formatCount(wrongPerDayThen)} wrong answers per day`);
      } else {
        const diff = wrongPerDayThen - wrongPerDayNow;
        const between = `≈ ${formatCount(wrongPerDayThen)} instead of ${formatCount(wrongPerDayNow)}`;
        parts.push(
          Math.abs(diff) < 0.5
            ? `${exposure} that is about the same number of wrong answers per day (${between})`
            : `${exposure} that is ≈ ${formatCount(Math.abs(diff))} ${diff < 0 ? 'fewer' : 'more'} wrong answers per day (${between})`,
        );
      }
    }
  }
  return {
    current: cur,
    candidate: cand,
    exposedPerDay,
    wrongPerDayNow,
    wrongPerDayThen,
    sentence: `${head}: ${parts.join('; ')}.`,
    interval: intervalText(cand),
  };
}

/** "Precision at 0.80: 97.2% (95% interval 96.1%–98.0%; 1,234 of 4,000 requests covered)". */
export function intervalText(p: SweepPoint): string {
  const at = thresholdText(p.threshold);
  if (p.precision === null || !p.precisionCi)
    return `Precision at ${at} is undefined: nothing covered (0 of ${formatCount(p.n)} requests).`;
  const [lo, hi] = p.precisionCi;
  return `Precision at ${at}: ${formatPct(p.precision)} (95% interval ${formatPct(lo)}–${formatPct(hi)}; ${formatCount(
    p.covered,
  )} of ${formatCount(p.n)} requests covered).`;
}
