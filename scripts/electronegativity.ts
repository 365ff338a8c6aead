/**
 * `node scripts/electronegativity.ts`: Doyensec's Electronegativity scan of the
 * Electron app (main, preload, core, shared code, renderer and its HTML),
 * failing on every finding not justified in docs/security.md.
 *
 * - Scans a staged copy of `electron/`, `shared/`, `renderer/` (tests left out)
 *   and `package.json` (for the Electron version), so node_modules is not walked.
 * - The tool fetches translations and Electron's release list from GitHub. This
 *   sandbox has no internet, and its HTTP client (`got`) crashes on the retry
 *   after a failed request, so `got` is replaced for this process by a function
 *   that fails at once; the tool then uses its bundled English strings and
 *   skips the "newer Electron release with security fixes" check (it says so).
 * - Justifications: rows of the table under "### Electronegativity findings" in
 *   docs/security.md: `| CHECK_ID | file (relative, or *) | why |`.
 * - Exit 0: no unjustified finding and every file parsed; 1 otherwise.
 *   `--json FILE` also writes the raw findings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { injectCspMeta } from '../shared/csp.ts';

const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

interface Issue {
  id: string;
  file: string;
  location: { line: number; column: number };
  description: string;
  severity: { name?: string; value: number };
  confidence: { name?: string; value: number };
  manualReview?: boolean;
}
interface ScanResult {
  issues: Issue[];
  errors: Array<{ file: string; message: string; tolerable: boolean }>;
  globalChecks: number;
  atomicChecks: number;
}

/** Copies the scanned sources to a temporary folder (no tests, no node_modules). */
function stage(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcr-electronegativity-'));
  const wanted = (file: string): boolean =>
    /\.(ts|tsx|js|html)$/.test(file) && !/\.test\.tsx?$/.test(file) && !file.includes('node_modules');
  for (const top of ['electron', 'shared', 'renderer']) {
    for (const rel of fs.readdirSync(path.join(root, top), { recursive: true }) as string[]) {
      const from = path.join(root, top, rel);
      if (!fs.statSync(from).isFile() || !wanted(rel)) continue;
      const to = path.join(dir, top, rel);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      // The page is scanned as it ships: with the CSP the build injects (shared/csp.ts).
      if (top === 'renderer' && rel === 'index.html')
        fs.writeFileSync(to, injectCspMeta(fs.readFileSync(from, 'utf8')));
      else fs.copyFileSync(from, to);
    }
  }
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  return dir;
}

/** Makes the tool's HTTP client fail immediately (see the module comment). */
function offlineGot(): void {
  const pkgDir = path.dirname(require.resolve('@doyensec/electronegativity/package.json'));
  const gotPath = require.resolve('got', { paths: [pkgDir] });
  const fail = (): Promise<never> => Promise.reject(new Error('offline: network disabled for this scan'));
  const stub = Object.assign(fail, { head: fail, get: fail, default: fail });
  const Module = require('node:module') as { new (id: string): NodeJS.Module };
  const mod = new Module(gotPath);
  mod.filename = gotPath;
  mod.loaded = true;
  mod.exports = stub;
  require.cache[gotPath] = mod;
}

/** `| ID | file | why |` rows under the "Electronegativity findings" heading. */
function justifications(): Array<{ id: string; file: string }> {
  const doc = fs.readFileSync(path.join(root, 'docs', 'security.md'), 'utf8');
  const start = doc.search(/^### Electronegativity findings/m);
  if (start < 0) return [];
  const section = doc.slice(start).split(/\n#{1,3} /)[0] ?? '';
  return section
    .split('\n')
    .map((line) => line.split('|').map((c) => c.trim().replace(/^`|`$/g, '')))
    .filter((cells) => cells.length >= 4 && /^[A-Z_]+$/.test(cells[1] ?? ''))
    .map((cells) => ({ id: cells[1]!, file: cells[2]! }));
}

async function main(): Promise<number> {
  const jsonOut = process.argv.includes('--json')
    ? process.argv[process.argv.indexOf('--json') + 1]
    : undefined;
  offlineGot();
  // dist/runner.js: `module.exports = run` (CommonJS, no `default`).
  const run = require('@doyensec/electronegativity') as (o: object, cli: boolean) => Promise<ScanResult>;
  const dir = stage();
  let result: ScanResult;
  try {
    result = await run(
      { input: dir, isRelative: true, severitySet: 'informational', confidenceSet: 'tentative' },
      false,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const allowed = justifications();
  const justified = (i: Issue): boolean =>
    allowed.some((a) => a.id === i.id && (a.file === '*' || a.file === i.file.replace(/\\/g, '/')));
  const open = result.issues.filter((i) => !justified(i));
  if (jsonOut) fs.writeFileSync(jsonOut, `${JSON.stringify(result, null, 2)}\n`);

  console.log(
    `electronegativity: ${result.globalChecks + result.atomicChecks} checks, ` +
      `${result.issues.length} findings (${result.issues.length - open.length} justified in docs/security.md)`,
  );
  for (const i of result.issues) {
    const mark = justified(i) ? 'justified' : 'OPEN';
    console.log(
      `  [${mark}] ${i.id} ${i.file}:${i.location.line}:${i.location.column} ` +
        `(${i.severity.name ?? i.severity.value}, ${i.confidence.name ?? i.confidence.value})`,
    );
  }
  const fatal = result.errors.filter((e) => !e.tolerable);
  for (const e of result.errors)
    console.log(`  [${e.tolerable ? 'parse warning' : 'PARSE ERROR'}] ${e.file}: ${e.message}`);
  if (open.length > 0)
    console.error(`electronegativity: ${open.length} finding(s) not justified in docs/security.md`);
  if (fatal.length > 0)
    console.error(`electronegativity: ${fatal.length} file(s) could not be parsed, so not scanned`);
  return open.length > 0 || fatal.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('electronegativity: the scan failed:', error);
    process.exit(1);
  },
);
