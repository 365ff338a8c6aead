/**
 * Reads a targeting-key file for the audience preview and `rcr bucket`: one key
 * per line, or a CSV with a `key` column (see `parseKeyList` in shared/audience.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { KeyListError, parseKeyList } from '../../../shared/audience.ts';
import { CoreError } from '../errors.ts';

/** csv-parse over a whole text: rows of trimmed fields, ragged rows allowed. */
export function parseCsvRows(text: string): string[][] {
  return parse(text, {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
  }) as string[][];
}

/** Keys of pasted text or a file's content. @throws CoreError BAD_INPUT naming `what`. */
export function keysFromText(text: string, what: string): string[] {
  try {
    return parseKeyList(text, parseCsvRows).keys;
  } catch (error) {
    if (error instanceof KeyListError || (error instanceof Error && error.name === 'CsvError'))
      throw new CoreError('BAD_INPUT', `${what}: ${error.message}`);
    throw error;
  }
}

/**
 * Keys of a file (UTF-8).
 * @throws CoreError BAD_INPUT when the file is missing, unreadable or a CSV without a `key` column.
 */
export function readKeyFile(file: string): string[] {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (error) {
    throw new CoreError(
      'BAD_INPUT',
      `keys file ${abs}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    );
  }
  return keysFromText(text, `keys file ${abs}`);
}
