/** The decision log exported as a file (`decisions.export`): JSON or CSV, oldest first. */
import type { DecisionRecord } from '../../../shared/decisions.ts';
import type { DecisionFilter, JournalStore } from '../decisions/journal-store.ts';

/** An exported decision log: the file's suggested name, its text, and how many records it holds. */
export interface DecisionExport {
  format: 'json' | 'csv';
  /** `rcr-decisions-[<flag key>-]<time>.<format>`. */
  filename: string;
  /** The file's text (UTF-8, ends with a newline). */
  content: string;
  /** Decision records in the file. */
  rows: number;
}

/** The CSV columns, in order. */
const HEADER = [
  'id',
  'at',
  'provider',
  'environment',
  'flag',
  'stage_index',
  'stage',
  'actor',
  'action',
  'rule',
  'rationale',
  'outbox_id',
  'outbox_status',
  'inputs_json',
];

/** One CSV cell: empty for null, JSON for non-strings, quoted when it holds `"`, `,` or a line break. */
const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return s.includes('"') || /[,\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** One decision as a CSV line (the columns of {@link HEADER}). */
const csvLine = (r: DecisionRecord): string =>
  [
    r.id,
    r.at,
    r.flag.provider,
    r.flag.environment,
    r.flag.key,
    r.stageIndex,
    r.stageName,
    r.actor,
    r.action,
    r.rule,
    r.rationale,
    r.outbox?.id,
    r.outbox?.status,
    JSON.stringify(r.inputs),
  ]
    .map(csvCell)
    .join(',');

/**
 * The decision log matching `f` as JSON or CSV (oldest first; at most `f.limit`, default a
 * million); `at` (ISO 8601, the export's time) stamps the file name.
 */
export function exportDecisions(
  journal: JournalStore,
  f: DecisionFilter & { format: 'json' | 'csv' },
  at: string,
): DecisionExport {
  const rows = journal.decisions({ ...f, ascending: true, limit: f.limit ?? 1_000_000 });
  const stamp = at.replace(/[:.]/g, '-');
  const filename = `rcr-decisions-${f.flag ? `${f.flag.key}-` : ''}${stamp}.${f.format}`;
  if (f.format === 'json')
    return { format: 'json', filename, content: `${JSON.stringify(rows, null, 2)}\n`, rows: rows.length };
  return {
    format: 'csv',
    filename,
    content: `${[HEADER.join(','), ...rows.map(csvLine)].join('\n')}\n`,
    rows: rows.length,
  };
}
