import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CoreError } from '../errors.ts';
import { tempDataDir } from '../../../test/support/temp-dir.ts';
import { keysFromText, readKeyFile } from './key-file.ts';

describe('key lists', () => {
  const tmp = tempDataDir('rcr-keys-');
  afterAll(() => tmp.cleanup());

  it('reads one key per line, trimming and skipping blank lines, keeping repeats', () => {
    expect(keysFromText('\uFEFFa\r\n  b \n\n c\na\n', 'pasted')).toEqual(['a', 'b', 'c', 'a']);
  });

  it('reads the key column of a CSV, whatever its position and case', () => {
    const csv = 'segment,Key,plan\nbeta,"user, with comma",pro\nga,u2,free\n,,\nga,"u""3",free\n';
    expect(keysFromText(csv, 'pasted')).toEqual(['user, with comma', 'u2', 'u"3']);
  });

  it('reads a one-column CSV whose header is "key"', () => {
    expect(keysFromText('key\nu1\nu2\n', 'pasted')).toEqual(['u1', 'u2']);
  });

  it('names the columns of a CSV without a key column', () => {
    expect(() => keysFromText('id,plan\n1,pro\n', 'keys file x.csv')).toThrow(
      /keys file x\.csv: the CSV has no "key" column \(its columns: "id", "plan"\)/,
    );
  });

  it('reads a file, and says which file is missing', () => {
    const file = path.join(tmp.dir, 'keys.csv');
    fs.writeFileSync(file, 'key,plan\nk1,a\nk2,b\n');
    expect(readKeyFile(file)).toEqual(['k1', 'k2']);
    expect(() => readKeyFile(path.join(tmp.dir, 'missing.txt'))).toThrow(CoreError);
    expect(() => readKeyFile(path.join(tmp.dir, 'missing.txt'))).toThrow(/missing\.txt: ENOENT/);
  });
});
