/**
 * The only renderer-side module that touches `ipcRenderer` (enforced by ESLint).
 *
 * Implements {@link RcrApi} over two IPC channels. It runs in the sandboxed
 * preload, so at runtime it imports only `electron` and the channel names
 * (`shared/ipc-channels.ts`, inlined by the bundler; types are erased):
 * the main side validates every request, so the preload stays a thin pipe.
 */
import type { IpcRendererEvent } from 'electron';
import { ipcRenderer } from 'electron';
import type {
  Channel,
  ChannelInput,
  ChannelOutput,
  EventName,
  EventPayload,
  RcrApi,
  Result,
} from '../../shared/contract.ts';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from '../../shared/ipc-channels.ts';

type Listener = (payload: unknown) => void;

/**
 * Build the API object the preload exposes as `window.rcr`.
 *
 * - `invoke(channel, input)` resolves to the main process's `Result`; if the
 *   IPC itself fails (no handler yet, uncloneable value) it resolves to
 *   `{ok: false, error: {code: 'INTERNAL', message}}` instead of rejecting.
 * - `on(event, listener)` calls `listener(payload)` for each `rcr:event` with
 *   that name and returns an unsubscribe function. One `ipcRenderer` listener
 *   serves every subscription; the raw `IpcRendererEvent` never reaches the page.
 */
export function createIpcApi(): RcrApi {
  const listeners = new Map<string, Set<Listener>>();

  ipcRenderer.on(EVENT_CHANNEL, (_event: IpcRendererEvent, message: unknown) => {
    if (typeof message !== 'object' || message === null) return;
    const { event, payload } = message as { event?: unknown; payload?: unknown };
    if (typeof event !== 'string') return;
    for (const listener of listeners.get(event) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        console.error(`rcr: listener for ${event} threw`, error);
      }
    }
  });

  return {
    async invoke<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<Result<ChannelOutput<C>>> {
      try {
        return (await ipcRenderer.invoke(INVOKE_CHANNEL, { channel, input })) as Result<ChannelOutput<C>>;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { ok: false, error: { code: 'INTERNAL', message: `IPC failed: ${message}` } };
      }
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      const wrapped: Listener = (payload) => listener(payload as EventPayload<E>);
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      set.add(wrapped);
      return () => {
        listeners.get(event)?.delete(wrapped);
      };
    },
  };
}
