/**
 * `npm run dist`: package the desktop app with electron-builder.
 *
 * 1. Checks that an Electron binary is available, because electron-builder
 *    needs one to package and cannot download it without internet. Looks at
 *    `ELECTRON_PATH` (the executable), `node_modules/electron/dist` (installed
 *    by `npm ci` when `ELECTRON_SKIP_BINARY_DOWNLOAD` is unset), and the
 *    download caches (`~/.cache/electron`, `~/.cache/electron-builder` or the
 *    macOS/Windows equivalents) for `electron-v<version>-<platform>-<arch>.zip`.
 *    If none is found, exits 1 and prints what to run on a machine with internet.
 * 2. Runs `npm run build` (renderer + main/preload bundles).
 * 3. Runs electron-builder with `electron-builder.yml`; extra arguments are
 *    passed through, e.g. `npm run dist -- --linux AppImage`. A local unpacked
 *    Electron (`ELECTRON_PATH` or `node_modules/electron/dist`) is passed as
 *    `electronDist` so it is not downloaded again.
 *
 * Exits with the failing step's exit code.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where an Electron binary was found; `electronDist` is set for an unpacked local copy. */
interface ElectronSource {
  description: string;
  electronDist: string | null;
}

function electronVersion(): string {
  const pkg = JSON.parse(
    readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8'),
  ) as {
    version: string;
  };
  return pkg.version;
}

/** The folder holding an unpacked Electron, given its executable (handles `Electron.app/Contents/MacOS/Electron`). */
function distDirOf(executable: string): string {
  const macBundle = executable.match(/^(.*)\/[^/]+\.app\/Contents\/MacOS\/[^/]+$/);
  return macBundle?.[1] ?? path.dirname(executable);
}

/** Electron download caches that electron-builder (through @electron/get) reads. */
function cacheRoots(): string[] {
  const home = os.homedir();
  const roots = [process.env.electron_config_cache, process.env.ELECTRON_BUILDER_CACHE];
  if (process.platform === 'darwin') {
    roots.push(path.join(home, 'Library', 'Caches', 'electron'));
    roots.push(path.join(home, 'Library', 'Caches', 'electron-builder'));
  } else if (process.platform === 'win32') {
    const local = process.env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local');
    roots.push(path.join(local, 'electron', 'Cache'), path.join(local, 'electron-builder', 'Cache'));
  } else {
    const cache = process.env.XDG_CACHE_HOME ?? path.join(home, '.cache');
    roots.push(path.join(cache, 'electron'), path.join(cache, 'electron-builder'));
  }
  return roots.filter((r): r is string => Boolean(r));
}

/** Find `name` under `dir`, at most `depth` folders down. */
function findFile(dir: string, name: string, depth: number): string | null {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return null;
  }
  for (const entry of entries) if (entry.isFile() && entry.name === name) return path.join(dir, entry.name);
  if (depth === 0) return null;
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const found = findFile(path.join(dir, entry.name), name, depth - 1);
    if (found) return found;
  }
  return null;
}

/** Locate an Electron binary electron-builder can use offline, or `null`. */
function findElectron(version: string): ElectronSource | null {
  const fromEnv = process.env.ELECTRON_PATH;
  if (fromEnv && existsSync(fromEnv) && statSync(fromEnv).isFile()) {
    return { description: `ELECTRON_PATH=${fromEnv}`, electronDist: distDirOf(path.resolve(fromEnv)) };
  }
  const moduleDir = path.join(root, 'node_modules', 'electron');
  const pathTxt = path.join(moduleDir, 'path.txt');
  if (existsSync(pathTxt)) {
    const executable = path.join(moduleDir, 'dist', readFileSync(pathTxt, 'utf8').trim());
    if (existsSync(executable)) {
      return { description: path.relative(root, executable), electronDist: path.join(moduleDir, 'dist') };
    }
  }
  const zip = `electron-v${version}-${process.platform}-${process.arch}.zip`;
  for (const cache of cacheRoots()) {
    const found = findFile(cache, zip, 3);
    if (found) return { description: found, electronDist: null };
  }
  return null;
}

function run(command: string, args: string[]): number {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (result.error) console.error(`dist: could not run ${command}: ${result.error.message}`);
  return result.status ?? 1;
}

function main(): number {
  const version = electronVersion();
  const electron = findElectron(version);
  if (!electron) {
    console.error(
      [
        `dist: FAILED - no Electron ${version} binary is available, and none can be downloaded here (no internet).`,
        '',
        'Checked: ELECTRON_PATH (unset or not a file), node_modules/electron/dist (absent: npm ci ran',
        'with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or offline), and the Electron download caches:',
        ...cacheRoots().map((c) => `  ${c}`),
        '',
        'On a machine with internet, from the repository root:',
        '  unset ELECTRON_SKIP_BINARY_DOWNLOAD   # do not source scripts/node-env.sh in this shell',
        '  npm ci                                # also downloads the Electron binary',
        '  npm run dist                          # builds, then packages into release/',
        '',
        'Or point ELECTRON_PATH at an Electron executable of the same version.',
      ].join('\n'),
    );
    return 1;
  }
  console.log(`dist: using Electron ${version} from ${electron.description}`);

  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const built = run(npm, ['run', 'build']);
  if (built !== 0) return built;

  const builderArgs = [
    path.join(root, 'node_modules', 'electron-builder', 'cli.js'),
    '--config',
    'electron-builder.yml',
    '--publish',
    'never',
    ...(electron.electronDist ? [`-c.electronDist=${electron.electronDist}`] : []),
    ...process.argv.slice(2),
  ];
  return run(process.execPath, builderArgs);
}

process.exit(main());
