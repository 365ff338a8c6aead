/**
 * `rcr compare --flag KEY`: treatment vs control on every metric of a flag over
 * its stored per-minute rollups (`metrics.compare`; no provider sync needed).
 *
 * `rcr compare --summary FILE.jsonl`: the A/B statistics engine over a file of
 * metric summaries, one JSON object a line (`-` reads stdin). Output: one JSON
 * result a line, in input order (see docs/statistics.md).
 *
 * All-or-nothing: the whole file is read, validated and computed before
 * anything is printed, so a bad line (`line N: field: problem`, exit 1) leaves
 * stdout empty. Blank lines are skipped but still counted in line numbers.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { compareMetric } from '../../core/stats/compare.ts';
import { parseMetricSummary, StatsInputError } from '../../core/stats/summary.ts';
import type { MetricComparison } from '../../../shared/metrics.ts';
import type { FlagRef } from '../../../shared/domain.ts';
import { CoreError } from '../../core/errors.ts';
import {
  openCliCore,
  printJson,
  refOf,
  resolveFlag,
  unwrap,
  UsageError,
  type GlobalOptions,
} from '../cli-context.ts';
import { flagId } from '../../../shared/domain.ts';

/** A line of the summary file that cannot be used (exit code 1). */
export class SummaryLineError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'SummaryLineError';
    this.line = line;
  }
}

/**
 * Reads summary lines from `input` and returns the output lines (JSON strings).
 * @throws SummaryLineError at the first bad line.
 */
export async function compareSummaryStream(input: Readable): Promise<string[]> {
  const out: string[] = [];
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      lines.close();
      throw new SummaryLineError(lineNo, `not valid JSON (${(error as Error).message})`);
    }
    try {
      out.push(JSON.stringify(compareMetric(parseMetricSummary(value))));
    } catch (error) {
      lines.close();
      if (error instanceof StatsInputError) throw new SummaryLineError(lineNo, error.message);
      throw error;
    }
  }
  return out;
}

async function writeAll(lines: string[]): Promise<void> {
  const CHUNK = 2000;
  for (let i = 0; i < lines.length; i += CHUNK) {
    const text = lines.slice(i, i + CHUNK).join('\n') + '\n';
    if (!process.stdout.write(text))
      await new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()));
  }
}

/** Parses `--window` (`30m`, `1h`, `7d`) into minutes. */
export function parseWindow(text: string): number {
  const m = /^(\d+)\s*(m|min|h|d)$/i.exec(text.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!m || !(n > 0)) throw new UsageError(`compare: --window must look like 30m, 1h or 7d, got "${text}"`);
  const unit = (m[2] as string).toLowerCase();
  const minutes = n * (unit === 'h' ? 60 : unit === 'd' ? 1440 : 1);
  if (minutes > 60 * 24 * 90) throw new UsageError('compare: --window is at most 90d');
  return minutes;
}

/**
 * Options of `rcr compare --flag KEY`: the flag (narrowed by `provider` / `env`), one `metric` or all,
 * the `window` (`30m`, `1h`, `7d`; default the last 60 minutes) and `fixed` for fixed-horizon instead
 * of sequential intervals.
 */
export interface CompareFlagArgs {
  flag: string;
  provider?: string;
  env?: string;
  metric?: string;
  window?: string;
  fixed?: boolean;
}

const num = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(1) : Number(x.toPrecision(3)).toString());

/** `rcr compare --flag KEY ...` over stored rollups. */
export async function compareFlagCommand(g: GlobalOptions, a: CompareFlagArgs): Promise<number> {
  const lastMinutes = a.window ? parseWindow(a.window) : 60;
  const core = await openCliCore(g);
  try {
    let ref: FlagRef;
    try {
      ref = refOf(resolveFlag(core, a.flag, a.provider, a.env));
    } catch (error) {
      // Metrics may be stored for a flag the cache has not seen yet: an explicit place is enough.
      if (!(error instanceof CoreError && error.code === 'NOT_FOUND' && a.provider && a.env)) throw error;
      ref = { provider: a.provider, environment: a.env, key: a.flag };
    }
    const out = unwrap(
      await core.invoke('metrics.compare', {
        flag: ref,
        window: { lastMinutes },
        sequential: !a.fixed,
      }),
    );
    let rows: MetricComparison[] = out.rows;
    if (a.metric) {
      rows = rows.filter((r) => r.metric.name === a.metric);
      if (!rows.length)
        throw new CoreError('NOT_FOUND', `flag "${ref.key}" has no metric "${a.metric}" defined`);
    }
    if (g.json) {
      printJson({ flag: ref, from: out.from, to: out.to, rows });
      return 0;
    }
    if (!rows.length) {
      process.stdout.write(`no metrics defined for ${flagId(ref)}\n`);
      return 0;
    }
    process.stdout.write(`${flagId(ref)}  ${out.from} → ${out.to}\n`);
    for (const r of rows) {
      // A quantile row's Δ is of its quantile (e.g. `p95 Δ 67`), not of the mean.
      const stat = r.statistic.quantile !== null ? `${r.statistic.label} ` : '';
      const d = r.absolute ? `${stat}Δ ${num(r.absolute.estimate)}` : `${stat}Δ —`;
      process.stdout.write(`${r.metric.name.padEnd(24)} ${r.verdict.padEnd(12)} ${d.padEnd(14)} ${r.note}\n`);
    }
    return 0;
  } finally {
    await core.close();
  }
}

/** `rcr compare --summary FILE.jsonl` (or `--summary -` for stdin), or `rcr compare --flag KEY`. */
export async function compareCommand(
  g: GlobalOptions,
  a: { summary?: string } & Partial<CompareFlagArgs>,
): Promise<number> {
  if (a.summary && a.flag) throw new UsageError('compare: use either --summary or --flag, not both');
  if (a.flag) return compareFlagCommand(g, { ...a, flag: a.flag });
  if (!a.summary) throw new UsageError('compare: --summary FILE.jsonl or --flag KEY is required');
  const input = a.summary === '-' ? process.stdin : createReadStream(a.summary, { encoding: 'utf8' });
  const results = await compareSummaryStream(input);
  await writeAll(results);
  return 0;
}
