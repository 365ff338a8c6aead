/**
 * Pick the transport: the Electron preload's `window.rcr` when present, else
 * the HTTP+WebSocket client for `rcr serve`. Never the mock.
 *
 * (Development builds additionally wrap it with `withOutputValidation` from
 * ./validate.ts, loaded dynamically by main.tsx so zod stays out of production.)
 */
import type { RcrApi } from '../../shared/contract.ts';
import type { Uploader } from './current.ts';
import { createElectronApi } from './electron-api.ts';
import { createHttpApi } from './http-api.ts';

/** Which transport the renderer talks through: the Electron preload or HTTP + WebSocket (`rcr serve`). */
export type TransportKind = 'electron' | 'http';

/**
 * The transport, and in browser mode the uploader imports use (the server refuses paths from a
 * browser); the desktop app imports by path (`uploader: null`).
 */
export function createApi(): { api: RcrApi; transport: TransportKind; uploader: Uploader | null } {
  const bridge = typeof window !== 'undefined' ? window.rcr : undefined;
  if (bridge) return { api: createElectronApi(bridge), transport: 'electron', uploader: null };
  const http = createHttpApi();
  return { api: http, transport: 'http', uploader: http };
}
