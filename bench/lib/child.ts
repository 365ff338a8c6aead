/**
 * Runs one measurement in a fresh Node process, so its peak RSS
 * (`process.resourceUsage().maxRSS`) belongs to that measurement alone.
 *
 * The child is the same bench file started with `--child <mode>`; it prints
 * one `CHILD_JSON=<json>` line with its result.
 */
import { execFile } from 'node:child_process';

const MARK = 'CHILD_JSON=';

/** Starts `file --child mode` and returns the parsed result line. */
export function runChild<T>(
  file: string,
  mode: string,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 170_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', file, '--child', mode],
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith(MARK));
        if (error || !line) {
          reject(
            new Error(`child ${mode} failed: ${error?.message ?? 'no result line'}\n${stderr.slice(-4000)}`),
          );
          return;
        }
        resolve(JSON.parse(line.slice(MARK.length)) as T);
      },
    );
  });
}

/** The `--child` mode this process was started with, or `null`. */
export function childMode(): string | null {
  const i = process.argv.indexOf('--child');
  return i >= 0 ? (process.argv[i + 1] ?? null) : null;
}

/** Prints the child's result line and exits. */
export function childDone(result: unknown): never {
  process.stdout.write(`${MARK}${JSON.stringify(result)}\n`);
  process.exit(0);
}

/** Peak resident set size of this process so far, bytes. */
export function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}
