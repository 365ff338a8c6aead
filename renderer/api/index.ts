/**
 * Pick the transport: the Electron preload's `window.rcr` when present, else
 * the HTTP+WebSocket client for `rcr serve`. Never the mock.
 *
 * (Development builds additionally wrap it with `withOutputValidation` from
 * ./validate.ts, loaded dynamically by main.tsx so zod stays out of production.)
 */
import type { RcrApi } from '../../shared/contract.ts';
import { createElectronApi } from './electron-api.ts';
import { createHttpApi } from './http-api.ts';

export type TransportKind = 'electron' | 'http';

export function createApi(): { api: RcrApi; transport: TransportKind } {
  const bridge = typeof window !== 'undefined' ? window.rcr : undefined;
  const transport: TransportKind = bridge ? 'electron' : 'http';
  const api: RcrApi = bridge ? createElectronApi(bridge) : createHttpApi();
  return { api, transport };
}
