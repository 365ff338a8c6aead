/**
 * Pick the transport: the Electron preload's `window.rcr` when present, else
 * the HTTP+WebSocket client for `rcr serve`. Never the mock.
 */
import type { RcrApi } from '../../shared/contract.ts';
import { createElectronApi } from './electron-api.ts';
import { createHttpApi } from './http-api.ts';
import { withOutputValidation } from './validate.ts';

export type TransportKind = 'electron' | 'http';

export function createApi(): { api: RcrApi; transport: TransportKind } {
  const bridge = typeof window !== 'undefined' ? window.rcr : undefined;
  const transport: TransportKind = bridge ? 'electron' : 'http';
  let api: RcrApi = bridge ? createElectronApi(bridge) : createHttpApi();
  if (import.meta.env.DEV) api = withOutputValidation(api);
  return { api, transport };
}
