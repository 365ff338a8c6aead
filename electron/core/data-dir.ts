/**
 * Where the control room keeps its database and config.
 *
 * Precedence: `--data-dir DIR` (callers pass it in) > env `RCR_DATA_DIR` > the OS's
 * app-data folder: `$XDG_CONFIG_HOME/rollout-control-room` (Linux, default
 * `~/.config/…`), `~/Library/Application Support/rollout-control-room` (macOS),
 * `%APPDATA%\rollout-control-room` (Windows).
 */
import os from 'node:os';
import path from 'node:path';

/** Name of the app's folder inside the OS's per-user config folder. */
export const APP_DIR_NAME = 'rollout-control-room';

/** The default data folder for this OS (absolute path). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RCR_DATA_DIR) return path.resolve(env.RCR_DATA_DIR);
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_DIR_NAME);
  if (process.platform === 'win32')
    return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_DIR_NAME);
}

/** Paths of the files inside a data folder. */
export function dataPaths(dataDir: string): { db: string; config: string } {
  return { db: path.join(dataDir, 'rcr.db'), config: path.join(dataDir, 'config.json') };
}
