/**
 * The two Electron IPC channel names, defined once for the main side (`electron/shell/ipc-main.ts`)
 * and the sandboxed preload (`electron/shell/preload-ipc.ts`). This module imports nothing, so the
 * preload bundle stays a single file that requires only `electron`.
 */

/** Request/response channel (renderer → main): carries `{channel, input}` for every contract channel. */
export const INVOKE_CHANNEL = 'rcr:invoke';

/** Push channel (main → renderer): carries `{event, payload}`. */
export const EVENT_CHANNEL = 'rcr:event';
