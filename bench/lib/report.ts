/**
 * Small helpers shared by the benches: statistics, the result table, the
 * machine description, and "am I the entry point?".
 *
 * Every bench prints its rows as a table and, when run by `bench/run.ts`,
 * one `BENCH_JSON=<json>` line that the runner collects.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One line of a bench's result table. */
export interface BenchRow {
  bench: string;
  metric: string;
  /** Formatted value, e.g. `123.4 ms`. */
  value: string;
  /** Target, e.g. `< 1000 ms`, or empty. */
  target?: string;
  /** Whether the target was met; `null` when there is no target. */
  met?: boolean | null;
  /** Extra detail (sample count, spread…). */
  note?: string;
}

/** A bench's complete output. */
export interface BenchReport {
  bench: string;
  rows: BenchRow[];
  /** Raw samples and context, kept in the JSON output for later inspection. */
  raw: Record<string, unknown>;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0–100). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[Math.min(rank, s.length) - 1]!;
}

export const min = (xs: readonly number[]): number => Math.min(...xs);
export const max = (xs: readonly number[]): number => Math.max(...xs);

export const ms = (n: number): string =>
  `${n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0)} ms`;
export const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/** `min–max, n=7` spread note. */
export function spread(xs: readonly number[]): string {
  return `min ${ms(min(xs))}, max ${ms(max(xs))}, n=${xs.length}`;
}

/** The machine the numbers came from. */
export function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    nproc: os.availableParallelism(),
    memTotal: mib(os.totalmem()),
    loadAvg: loadAvg(),
  };
}

/** 1/5/15-minute load averages, e.g. `1.95 / 2.10 / 1.40` (other work on the machine skews timings). */
export function loadAvg(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

/** A context row recording the machine load while a bench ran. */
export function loadRow(bench: string, atStart: string): BenchRow {
  return {
    bench,
    metric: 'machine load avg (1/5/15 min) at start → end',
    value: `${atStart} → ${loadAvg()}`,
    note: `${os.availableParallelism()} cores; load above the core count means other work competed`,
  };
}

/** Prints rows as an aligned text table. */
export function printTable(
  rows: readonly BenchRow[],
  out: (s: string) => void = (s) => process.stdout.write(s),
): void {
  const header = ['bench', 'metric', 'value', 'target', 'met', 'note'];
  const cells = rows.map((r) => [
    r.bench,
    r.metric,
    r.value,
    r.target ?? '',
    r.met === undefined || r.met === null ? '' : r.met ? 'yes' : 'NO',
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')}\n`;
  out(line(header));
  out(line(widths.map((w) => '-'.repeat(w))));
  for (const c of cells) out(line(c));
}

/** True when `importMetaUrl` is the script Node was started with. */
export function isMain(importMetaUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && path.resolve(entry) === fileURLToPath(importMetaUrl);
}

/** Prints a bench's table (and the JSON line for the runner when `--json` is given). */
export function emit(report: BenchReport): void {
  process.stdout.write(`\n== ${report.bench} ==\n`);
  printTable(report.rows);
  if (process.argv.includes('--json')) process.stdout.write(`BENCH_JSON=${JSON.stringify(report)}\n`);
}

/** Logs a progress line to stderr (kept out of the table). */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Runs `fn` as the main of a bench file: prints its report, exits non-zero on error. */
export function runAsMain(importMetaUrl: string, fn: () => Promise<BenchReport>): void {
  if (!isMain(importMetaUrl)) return;
  fn().then(
    (report) => {
      emit(report);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(
        `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
