/**
 * Sums the Vitest and Playwright JSON reports in a folder and prints one line
 * `N passed, N failed, N skipped`; exits 1 when a test failed or none ran.
 */
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node scripts/test-summary.ts REPORT_DIR');
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>;
  if ('numPassedTests' in r) {
    const v = r as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
    };
    passed += v.numPassedTests;
    failed += v.numFailedTests;
    skipped += v.numPendingTests + v.numTodoTests;
    console.log(
      `${file}: ${v.numPassedTests} passed, ${v.numFailedTests} failed, ${v.numPendingTests} skipped`,
    );
  } else if ('stats' in r) {
    const s = r.stats as { expected: number; unexpected: number; skipped: number; flaky: number };
    passed += s.expected + s.flaky;
    failed += s.unexpected;
    skipped += s.skipped;
    console.log(`${file}: ${s.expected + s.flaky} passed, ${s.unexpected} failed, ${s.skipped} skipped`);
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
