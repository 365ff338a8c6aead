/**
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
import { UsageError, type GlobalOptions } from '../cli-context.ts';

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

/** `rcr compare --summary FILE.jsonl` (or `--summary -` for stdin). */
export async function compareCommand(_g: GlobalOptions, a: { summary?: string }): Promise<number> {
  if (!a.summary) throw new UsageError('compare: --summary FILE.jsonl is required');
  const input = a.summary === '-' ? process.stdin : createReadStream(a.summary, { encoding: 'utf8' });
  const results = await compareSummaryStream(input);
  await writeAll(results);
  return 0;
}
