/**
 * Preload entry: exposes exactly one object, `window.rcr` ({@link RcrApi}), to
 * the isolated page. Bundled to `dist/electron/preload.cjs`, which may require
 * only `electron` because the renderer is sandboxed.
 */
import { contextBridge } from 'electron';
import { createIpcApi } from './preload-ipc.ts';

contextBridge.exposeInMainWorld('rcr', createIpcApi());
