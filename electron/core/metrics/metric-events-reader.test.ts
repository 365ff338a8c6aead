import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test/support/temp-dir.ts';
import {
  MAX_ABS_VALUE,
  MetricFormatError,
  readMetricEvents,
  TIMESTAMP_RANGE,
  type MetricEvent,
} from './metric-events-reader.ts';

const tmp = tempDataDir('rcr-metric-reader-');
afterAll(() => tmp.cleanup());

const HEADER = 'timestamp,unit_id,flag_key,variant,metric,value';

function file(name: string, lines: string[]): string {
  const p = path.join(tmp.dir, name);
  fs.writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
}

/** The events of a file, or the MetricFormatError it fails with. */
async function read(p: string): Promise<MetricEvent[] | MetricFormatError> {
  const out: MetricEvent[] = [];
  try {
    await readMetricEvents(p, (e) => out.push(e));
    return out;
  } catch (error) {
    if (error instanceof MetricFormatError) return error;
    throw error;
  }
}

/** `[line, column, message]` of the error a one-row CSV with `row` fails with. */
async function csvError(row: string): Promise<[number | null, string | null, string]> {
  const r = await read(file(`e${Math.random().toString(36).slice(2)}.csv`, [HEADER, row]));
  if (!(r instanceof MetricFormatError)) throw new Error(`expected a format error for ${row}`);
  return [r.line, r.column, r.detail];
}

describe('metric event validation (issue 15, item 10)', () => {
  it('refuses an epoch far outside the supported range on its line, instead of an INTERNAL SQLite error', async () => {
    expect(await csvError('99999999999999999999999,u,f,control,m,1')).toEqual([
      2,
      'timestamp',
      'timestamp "99999999999999999999999" is outside the supported range 2000-01-01T00:00:00Z … 2099-12-31T23:59:59Z',
    ]);
    // Epoch seconds read as milliseconds land in January 1970: said so.
    const [, , seconds] = await csvError('1767225600,u,f,control,m,1');
    expect(seconds).toMatch(/is outside the supported range .*; epoch timestamps are milliseconds/);
  });

  it('refuses dates that are not on the calendar instead of rolling them over (2026-02-31 is not 3 March)', async () => {
    expect(await csvError('2026-02-31T00:00:00Z,u,f,control,m,1')).toEqual([
      2,
      'timestamp',
      'timestamp "2026-02-31T00:00:00Z" is not a calendar date: 2026-02 has 28 days',
    ]);
    expect((await csvError('2028-02-30T10:00:00+02:00,u,f,control,m,1'))[2]).toBe(
      'timestamp "2028-02-30T10:00:00+02:00" is not a calendar date: 2028-02 has 29 days',
    );
    expect((await csvError('2026-13-01T00:00:00Z,u,f,control,m,1'))[2]).toMatch(/month 13/);
    expect((await csvError('2026-01-01T24:00:00Z,u,f,control,m,1'))[2]).toMatch(/hour 24/);
    expect((await csvError('2026-01-01T23:59:60Z,u,f,control,m,1'))[2]).toMatch(/second 60/);
    // A real leap day and the fast path (same minute prefix, then a bad one) still work.
    const ok = await read(
      file('leap.csv', [
        HEADER,
        '2028-02-29T10:00:01Z,u,f,control,m,1',
        '2028-02-29T10:00:02.500Z,u,f,control,m,2',
      ]),
    );
    expect(ok).toEqual([
      {
        timestamp: Date.UTC(2028, 1, 29, 10, 0, 1),
        unitId: 'u',
        flagKey: 'f',
        variant: 'control',
        metric: 'm',
        value: 1,
      },
      {
        timestamp: Date.UTC(2028, 1, 29, 10, 0, 2, 500),
        unitId: 'u',
        flagKey: 'f',
        variant: 'control',
        metric: 'm',
        value: 2,
      },
    ]);
  });

  it('refuses years outside 2000–2099 (years 1 and 9999 were accepted), in ISO and epoch form', async () => {
    for (const ts of [
      '0001-01-01T00:00:00Z',
      '9999-12-31T23:59:59Z',
      '1999-12-31T23:59:59Z',
      '2100-01-01T00:00:00Z',
    ])
      expect((await csvError(`${ts},u,f,control,m,1`))[2]).toBe(
        `timestamp "${ts}" is outside the supported range 2000-01-01T00:00:00Z … 2099-12-31T23:59:59Z`,
      );
    expect(TIMESTAMP_RANGE).toEqual({ from: Date.UTC(2000, 0, 1), to: Date.UTC(2100, 0, 1) });
    const jsonl = path.join(tmp.dir, 'range.jsonl');
    fs.writeFileSync(
      jsonl,
      `${JSON.stringify({ timestamp: Date.UTC(2100, 0, 1), unit_id: 'u', flag_key: 'f', variant: 'c', metric: 'm', value: 1 })}\n`,
    );
    const r = await read(jsonl);
    expect(r instanceof MetricFormatError && [r.line, r.column, r.message]).toEqual([
      1,
      'timestamp',
      'range.jsonl line 1: timestamp 4102444800000 is outside the supported range 2000-01-01T00:00:00Z … 2099-12-31T23:59:59Z',
    ]);
  });

  it('refuses values whose square would overflow the sums (1e300 stored an infinite sum of squares)', async () => {
    expect(await csvError('2026-01-05T00:00:00Z,u,f,control,m,1e300')).toEqual([
      2,
      'value',
      `value "1e300" is too large: |value| must be at most ${MAX_ABS_VALUE.toExponential()} so sums of squares stay finite`,
    ]);
    expect((await csvError('2026-01-05T00:00:00Z,u,f,control,m,-2e15'))[1]).toBe('value');
    expect(await read(file('big.csv', [HEADER, '2026-01-05T00:00:00Z,u,f,control,m,-1e15']))).toHaveLength(1);
  });

  it('names the column of every row problem', async () => {
    expect(await csvError('2026-01-05T00:00:00Z,u,f,control,m,abc')).toEqual([
      2,
      'value',
      'value "abc" is not a number',
    ]);
    expect((await csvError('2026-01-05T00:00:00Z,u,,control,m,1')).slice(0, 2)).toEqual([2, 'flag_key']);
    expect((await csvError('yesterday,u,f,control,m,1')).slice(0, 2)).toEqual([2, 'timestamp']);
  });

  it('refuses a header that names a column twice, naming it (the last one was used silently)', async () => {
    const r = await read(file('dup.csv', [`${HEADER},value`, '2026-01-05T00:00:00Z,u,f,control,m,1,2']));
    expect(r instanceof MetricFormatError && [r.line, r.message]).toEqual([
      1,
      'dup.csv line 1: duplicate column "value" in the header (columns 6 and 7)',
    ]);
  });
});
