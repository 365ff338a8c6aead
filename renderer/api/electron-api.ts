/**
 * Desktop transport: the object the Electron preload exposes as `window.rcr`.
 *
 * The preload already implements {@link RcrApi}; this wrapper only turns a
 * thrown bridge error (which should not happen) into a `Result` so the UI
 * never sees an exception.
 */
import type { RcrApi, Result } from '../../shared/contract.ts';

declare global {
  interface Window {
    /** Exposed by the Electron preload (`contextBridge.exposeInMainWorld('rcr', …)`); absent in a browser. */
    rcr?: RcrApi;
  }
}

/**
 * Wraps the preload's bridge as the app's {@link RcrApi}: a call that throws becomes an `INTERNAL`
 * failure `Result`, so the UI never sees an exception.
 */
export function createElectronApi(bridge: RcrApi): RcrApi {
  return {
    async invoke(channel, input) {
      try {
        return await bridge.invoke(channel, input);
      } catch (error) {
        const failure: Result<never> = {
          ok: false,
          error: {
            code: 'INTERNAL',
            message: `desktop bridge failed: ${(error as Error)?.message ?? String(error)}`,
          },
        };
        return failure;
      }
    },
    on(event, listener) {
      return bridge.on(event, listener);
    },
  };
}
