/** `rcr sweep` and `rcr recommend`: the threshold simulator on a prediction file (no database needed). */
import type { Slice, Target } from '../../../shared/simulator.ts';
import { readPredictionColumns, selectSlice } from '../../core/simulator/prediction-columns.ts';
import { allPoints, buildSweepTable, pointAt } from '../../core/simulator/sweep.ts';
import { recommend } from '../../core/simulator/recommend.ts';
import { printJson, printJsonArray, UsageError, type GlobalOptions } from '../cli-context.ts';

function parseThresholds(s: string): number[] {
  const out = s.split(',').map((x) => {
    const t = Number(x.trim());
    if (x.trim() === '' || !(t >= 0 && t <= 1))
      throw new UsageError(`--thresholds: "${x}" is not a number between 0 and 1`);
    return t;
  });
  return [...new Set(out)].sort((a, b) => a - b);
}

const progress = (json: boolean) => (p: { rows: number; bytesRead: number; totalBytes: number }) => {
  if (!json && process.stderr.isTTY)
    process.stderr.write(
      `\rread ${p.rows.toLocaleString('en')} rows (${Math.round((100 * p.bytesRead) / Math.max(1, p.totalBytes))}%)`,
    );
};

/** `rcr sweep --predictions FILE [--model-version V] [--segment S] [--thresholds 0.5,0.7] [--json]`. */
export async function sweepCommand(
  g: GlobalOptions,
  a: { predictions?: string; modelVersion?: string; segment?: string; thresholds?: string },
): Promise<number> {
  if (!a.predictions) throw new UsageError('sweep: --predictions FILE is required');
  const thresholds = a.thresholds ? parseThresholds(a.thresholds) : null;
  const columns = await readPredictionColumns(a.predictions, progress(g.json));
  const slice: Slice = { modelVersion: a.modelVersion ?? null, segment: a.segment ?? null };
  const { confidences, labels } = selectSlice(columns, slice);
  if (!confidences.length) throw new UsageError(`sweep: no predictions match ${JSON.stringify(slice)}`);
  const table = buildSweepTable(confidences, labels);
  const points = thresholds ? thresholds.map((t) => pointAt(table, t)) : allPoints(table);
  if (g.json) await printJsonArray(points);
  else {
    process.stdout.write('\nTHRESHOLD\tCOVERAGE\tPRECISION\tRECALL\tFPR\tFALLBACK\n');
    const f = (x: number | null): string => (x === null ? '—' : x.toFixed(4));
    for (const p of points)
      process.stdout.write(
        `${p.threshold}\t${f(p.coverage)}\t${f(p.precision)}\t${f(p.recall)}\t${f(p.fpr)}\t${f(p.fallbackRate)}\n`,
      );
  }
  return 0;
}

/**
 * `rcr recommend --predictions FILE (--min-precision P [--no-lower-bound] | --max-fpr F) [--json]`:
 * one recommendation per model version (all segments) and per model version × segment, in the
 * shape of `RecommendationSchema` (`status` met / not-met / insufficient-data, `neededLabelled`);
 * without `--json`, one plain-language verdict per line.
 * @returns exit code 0
 * @throws UsageError on a missing file option, a target outside 0–1, or both / neither targets.
 */
export async function recommendCommand(
  g: GlobalOptions,
  a: { predictions?: string; minPrecision?: string; maxFpr?: string; noLowerBound: boolean },
): Promise<number> {
  if (!a.predictions) throw new UsageError('recommend: --predictions FILE is required');
  const num = (name: string, v: string): number => {
    const x = Number(v);
    if (v.trim() === '' || !(x >= 0 && x <= 1))
      throw new UsageError(`--${name} must be between 0 and 1, not "${v}"`);
    return x;
  };
  let target: Target;
  if (a.minPrecision !== undefined && a.maxFpr === undefined)
    target = {
      kind: 'min-precision',
      value: num('min-precision', a.minPrecision),
      useLowerBound: !a.noLowerBound,
    };
  else if (a.maxFpr !== undefined && a.minPrecision === undefined)
    target = { kind: 'max-fpr', value: num('max-fpr', a.maxFpr) };
  else throw new UsageError('recommend: give exactly one of --min-precision P or --max-fpr F');
  const columns = await readPredictionColumns(a.predictions, progress(g.json));
  const versions: (string | null)[] = columns.modelVersions.length ? columns.modelVersions : [null];
  const out = [];
  for (const modelVersion of versions)
    for (const segment of [null, ...columns.segments]) {
      const slice = { modelVersion, segment };
      const { confidences, labels } = selectSlice(columns, slice);
      if (confidences.length) out.push(recommend(buildSweepTable(confidences, labels), slice, target));
    }
  if (g.json) printJson(out);
  else for (const r of out) process.stdout.write(`${r.message}\n`);
  return 0;
}
