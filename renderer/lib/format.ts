/**
 * Plain formatting of dates, times, durations and numbers for the control room.
 *
 * The one place for generic value formatting: times as short relative ages (`5 min ago`) or
 * absolute local times, durations shown (`3 d 4 h`) and typed (`3d 12h`), numbers plainly
 * (`25%`, `0.0123`, `1,234`, `+12.5%`, `p < 0.001`), and `null` as an em dash. Feature words and
 * labels live with their feature. Pure functions: `now` is always passed in.
 */

/** Shown for a missing value. */
export const NONE = '—';

/** One minute, in ms. */
export const MINUTE_MS = 60_000;
/** One hour, in ms. */
export const HOUR_MS = 3_600_000;
/** One day, in ms. */
export const DAY_MS = 86_400_000;

/* ------------------------------------------------------------------------------------------ */
/* Dates and times                                                                             */
/* ------------------------------------------------------------------------------------------ */

/** Parse an ISO time to epoch ms, or `null`. */
export function parseTime(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** A short age without suffix: `30 s`, `3 min`, `2 h`, `4 d`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** `just now`, `5 min ago`, `3 h ago`, `2 d ago`; `—` for null. */
export function formatRelative(iso: string | null | undefined, now: number): string {
  const t = parseTime(iso);
  if (t === null) return NONE;
  const diff = now - t;
  if (diff < 45_000) return 'just now';
  if (diff < 60_000) return '1 min ago';
  return `${formatAge(diff)} ago`;
}

/** Stale badge text from the row's `syncedAt`: `stale · 3 min`. */
export function formatStale(syncedAt: string | null | undefined, now: number): string {
  const t = parseTime(syncedAt);
  if (t === null) return 'stale';
  return `stale · ${formatAge(now - t)}`;
}

/** Absolute local time for tooltips and timelines. */
export function formatDateTime(iso: string | null | undefined): string {
  const t = parseTime(iso);
  if (t === null) return NONE;
  return new Date(t).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/* ------------------------------------------------------------------------------------------ */
/* Durations                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/** `3 d 4 h`, `5 h 20 min`, `25 min`, `40 s`; negative durations count as 0. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return NONE;
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

const UNIT_MS: Record<string, number> = {
  d: DAY_MS,
  day: DAY_MS,
  days: DAY_MS,
  h: HOUR_MS,
  hr: HOUR_MS,
  hour: HOUR_MS,
  hours: HOUR_MS,
  m: MINUTE_MS,
  min: MINUTE_MS,
  mins: MINUTE_MS,
  minute: MINUTE_MS,
  minutes: MINUTE_MS,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
};

/**
 * Parses a typed duration: `3d`, `3 d 12 h`, `90 min`, `1.5h`, `0`. Every number needs a unit
 * (except a lone `0`). Returns ms, or `null` when the text is not a duration.
 */
export function parseDuration(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === '0') return 0;
  if (t === '') return null;
  const re = /(\d+(?:\.\d+)?)\s*([a-z]+)\s*/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    const unit = UNIT_MS[m[2] ?? ''];
    if (unit === undefined) return null;
    total += Number(m[1]) * unit;
    matched = re.lastIndex;
  }
  if (matched !== t.length) return null;
  return Math.round(total);
}

/** The shortest typed form of a duration (`3d`, `1d 12h`, `30m`, `45s`), for the editor's inputs. */
export function durationInput(ms: number): string {
  if (ms <= 0) return '0';
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of [
    ['d', DAY_MS],
    ['h', HOUR_MS],
    ['m', MINUTE_MS],
    ['s', 1000],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.length ? parts.join(' ') : `${Math.round(ms)}ms`;
}

/* ------------------------------------------------------------------------------------------ */
/* Numbers                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/** Drops trailing zeros of a fixed-decimal text, and the point when nothing follows: `1.50` → `1.5`, `2.00` → `2`. */
export const trimZeros = (text: string) => text.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');

/** `25%`, `12.5%`; `—` for null. */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE;
  return `${Number.isInteger(value) ? value : Number(value.toFixed(2))}%`;
}

/** A number with about 3 significant digits: `0.01234` → `0.0123`, `1234.5` → `1,235`. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 1) return trimZeros(v.toFixed(a >= 100 ? 1 : 2));
  if (a === 0) return '0';
  return trimZeros(v.toPrecision(3));
}

/** A relative difference (lift) as a signed percentage. */
export function formatLift(value: number): string {
  if (!Number.isFinite(value)) return '—';
  const v = Math.abs(value) < 1e-12 ? 0 : value;
  const sign = v > 0 ? '+' : v < 0 ? '−' : '';
  return `${sign}${trimZeros(Math.abs(v * 100).toFixed(1))}%`;
}

/** `[lo, hi]` with each bound formatted by `one`. */
export function formatCi(ci: readonly [number, number], one: (v: number) => string): string {
  return `[${one(ci[0])}, ${one(ci[1])}]`;
}

/** `p < 0.001` style. */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  if (p < 0.001) return '< 0.001';
  return p.toFixed(3);
}

/** A count with thousands separators: `12345` → `12,345`. */
export function formatN(n: number): string {
  return n.toLocaleString('en-US');
}

/** `1,234` */
export const count = (n: number): string => n.toLocaleString('en');

/** `12.3 %` of `part` in `whole` (one decimal), `—` when `whole` is 0. */
export function share(part: number, whole: number): string {
  return whole ? `${((100 * part) / whole).toFixed(1)} %` : '—';
}

/** A number with 3 significant digits (1 decimal at ≥ 100); `—` for null. */
export function formatValue(x: number | null | undefined): string {
  if (x === null || x === undefined) return NONE;
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  return Math.abs(x) >= 100 ? Number(x.toFixed(1)).toString() : Number(x.toPrecision(3)).toString();
}

/** `12.5 %` from a 0–1 fraction; `—` for null. */
export function formatFraction(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return NONE;
  return `${formatValue(x * 100)} %`;
}

/** A number as typed into a form field: at most 10 significant digits, no float noise (`0.1 × 3` → `0.3`). */
export const trimNum = (x: number): string => String(Number(x.toPrecision(10)));
