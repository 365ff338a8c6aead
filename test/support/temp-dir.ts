/** Per-test data folders (each test gets its own, removed afterwards). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Creates a fresh temporary folder; returns its path and a cleanup function. */
export function tempDataDir(prefix = 'rcr-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
