/**
 * `./run start` / `npm start`: starts the control room on the embedded default provider.
 *
 * Opens the Electron window when an Electron binary exists (`ELECTRON_PATH`, or
 * `node_modules/electron/dist`); otherwise runs browser mode (`rcr serve`) and
 * prints the URL to open. Builds what is missing first. Extra arguments are
 * passed to `rcr serve` (e.g. `--port 4800 --data-dir DIR`).
 */
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);

function electronBinary(): string | null {
  const candidates = [
    process.env.ELECTRON_PATH,
    path.join(root, 'node_modules/electron/dist/electron'),
    path.join(root, 'node_modules/electron/dist/Electron.app/Contents/MacOS/Electron'),
    path.join(root, 'node_modules/electron/dist/electron.exe'),
  ];
  return candidates.find((c): c is string => !!c && fs.existsSync(c)) ?? null;
}

/** Newest modification time (ms) of the files under `dirs`. */
function newestMtime(dirs: string[]): number {
  let newest = 0;
  for (const dir of dirs)
    for (const entry of fs.readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true }))
      if (entry.isFile())
        newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  return newest;
}

/** True when the built renderer is missing or older than its sources. */
function rendererOutdated(): boolean {
  const built = path.join(root, 'dist/renderer/index.html');
  return !fs.existsSync(built) || fs.statSync(built).mtimeMs < newestMtime(['renderer', 'shared']);
}

function run(cmd: string, cmdArgs: string[]): void {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const electron = electronBinary();
if (electron) {
  if (!fs.existsSync(path.join(root, 'dist/electron/main.cjs')) || rendererOutdated())
    run('npm', ['run', '--silent', 'build']);
  const child = spawn(electron, [path.join(root, 'dist/electron/main.cjs'), ...args], {
    cwd: root,
    stdio: 'inherit',
  });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  process.stderr.write(
    'No Electron binary found (set ELECTRON_PATH to use the desktop window); starting browser mode.\n',
  );
  if (rendererOutdated()) run('npm', ['run', '--silent', 'build:renderer']);
  const dataDirIndex = args.indexOf('--data-dir');
  const globalArgs = dataDirIndex >= 0 ? args.splice(dataDirIndex, 2) : [];
  const child = spawn(
    process.execPath,
    [path.join(root, 'electron/cli/rcr.ts'), ...globalArgs, 'serve', ...args],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code) => process.exit(code ?? 0));
}
