import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { streamCsvRecords, streamJsonlRecords } from './record-stream.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-record-stream-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function read(
  text: string,
): Promise<{ rows: Array<[number, Record<string, unknown>]>; count: number }> {
  const file = path.join(dir, `f${Math.random().toString(36).slice(2)}.csv`);
  fs.writeFileSync(file, text);
  const rows: Array<[number, Record<string, unknown>]> = [];
  const count = await streamCsvRecords(file, text.length, {
    requiredColumns: ['a', 'b'],
    onRecord: (raw, line) => rows.push([line, { ...raw }]),
    formatError: (line, message) => new Error(`line ${line}: ${message}`),
  });
  return { rows, count };
}

describe('streamCsvRecords', () => {
  it('gives each record its file line, across blank lines, CRLF and quoted newlines', async () => {
    const r = await read('a,b\r\n1, x \r\n\r\n"2","multi\r\nline"\r\n3,"q,""uoted"""\r\n');
    expect(r.count).toBe(3);
    expect(r.rows).toEqual([
      [2, { a: '1', b: 'x' }],
      [4, { a: '2', b: 'multi\r\nline' }],
      [6, { a: '3', b: 'q,"uoted"' }],
    ]);
  });

  it('reports a missing column, a wrong field count and broken quoting at their lines', async () => {
    await expect(read('a,c\n1,2\n')).rejects.toThrow('line 1: missing column "b" (found: a, c)');
    await expect(read('a,b\n1,2\n1,2,3\n')).rejects.toThrow(
      'line 3: expected 2 fields like the header, found 3',
    );
    await expect(read('a,b\n1,2\n"1,2\n')).rejects.toThrow(/line 3: malformed CSV/);
  });

  it('stops at the first error thrown by the record handler', async () => {
    const file = path.join(dir, 'stop.csv');
    fs.writeFileSync(file, 'a,b\n' + '1,2\n'.repeat(1000));
    let seen = 0;
    await expect(
      streamCsvRecords(file, 0, {
        requiredColumns: ['a'],
        onRecord: (_raw, line) => {
          seen++;
          if (line === 10) throw new Error('bad row 10');
        },
        formatError: (line, message) => new Error(`line ${line}: ${message}`),
      }),
    ).rejects.toThrow('bad row 10');
    expect(seen).toBe(9);
  });
});

describe('duplicate columns (issue 15, item 10)', () => {
  it('refuses a CSV header naming a column twice, naming the column and both positions', async () => {
    await expect(read('a,b,a\n1,2,3\n')).rejects.toThrow(
      'line 1: duplicate column "a" in the header (columns 1 and 3)',
    );
    await expect(read(' b ,a,b\n1,2,3\n')).rejects.toThrow(
      'line 1: duplicate column "b" in the header (columns 1 and 3)',
    );
  });

  it('refuses a JSONL line with a key twice, naming it (JSON.parse would keep the last)', async () => {
    const file = path.join(dir, 'dup.jsonl');
    fs.writeFileSync(
      file,
      [
        '{"a": 1, "b": "x"}',
        '{"a": 1, "b": {"a": 2, "a": 3}, "c": "\\"a\\": 1"}',
        '{"a": 1, "b": 2, "a": 3}',
      ].join('\n'),
    );
    const seen: number[] = [];
    await expect(
      streamJsonlRecords(file, 0, {
        requiredColumns: ['a', 'b'],
        onRecord: (_raw, line) => seen.push(line),
        formatError: (line, message) => new Error(`line ${line}: ${message}`),
      }),
    ).rejects.toThrow('line 3: duplicate key "a"');
    expect(seen).toEqual([1, 2]);
  });
});
