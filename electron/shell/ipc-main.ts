/**
 * The only main-process module that touches `ipcMain` (enforced by ESLint).
 *
 * One request channel, `rcr:invoke`, carries `{channel, input}` for every
 * contract channel; one push channel, `rcr:event`, carries `{event, payload}`.
 * The preload side lives in `preload-ipc.ts`; both take the channel names from
 * `shared/ipc-channels.ts`.
 */
import type { WebContents, WebFrameMain } from 'electron';
import { app, ipcMain } from 'electron';
import type { ApiError, Channel, EventName, RcrApi, Result } from '../../shared/contract.ts';
import { ErrorCodeSchema, contract, eventContract } from '../../shared/contract.ts';
import { describeZodError } from '../../shared/zod-errors.ts';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from '../../shared/ipc-channels.ts';

/** Decides whether an IPC message comes from one of our windows showing our page. */
export type TrustedSenderCheck = (frame: WebFrameMain | null) => boolean;

function fail(code: ApiError['code'], message: string): Result<never> {
  return { ok: false, error: { code, message } };
}

function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && Object.hasOwn(contract, value);
}

/**
 * Rebuild a core result so only `{ok, value}` or `{ok, error: {code, message}}`
 * crosses to the renderer: no extra error fields (`stack`, `cause`), and an
 * unknown error code becomes `INTERNAL`.
 */
function sanitize(result: Result<unknown>): Result<unknown> {
  if (result.ok) return { ok: true, value: result.value };
  const code = ErrorCodeSchema.safeParse(result.error?.code);
  const message = typeof result.error?.message === 'string' ? result.error.message : 'unknown error';
  return fail(code.success ? code.data : 'INTERNAL', message);
}

/**
 * Register the `rcr:invoke` handler.
 *
 * Request shape: `{channel: Channel, input: unknown}`. Always resolves to a
 * `Result` — the handler never throws, so no stack trace reaches the renderer:
 * - sender not trusted → `FORBIDDEN`;
 * - malformed request or unknown channel → `BAD_INPUT`;
 * - input validation is `core.invoke`'s job (it returns `BAD_INPUT` itself);
 * - core throws → `INTERNAL` with the error message only (the full error is logged here);
 * - in unpackaged builds the value is also checked against the channel's output
 *   schema, and a mismatch is `INTERNAL` (catches core/contract drift in dev and tests).
 *
 * @returns a function that removes the handler.
 */
export function registerIpc(core: RcrApi, isTrustedSender: TrustedSenderCheck): () => void {
  const checkOutput = !app.isPackaged;
  ipcMain.handle(INVOKE_CHANNEL, async (event, request: unknown): Promise<Result<unknown>> => {
    if (!isTrustedSender(event.senderFrame)) {
      console.warn('rcr: rejected IPC from an untrusted frame');
      return fail('FORBIDDEN', 'request rejected: it did not come from the app window');
    }
    if (typeof request !== 'object' || request === null) {
      return fail('BAD_INPUT', 'request must be an object {channel, input}');
    }
    const { channel, input } = request as { channel?: unknown; input?: unknown };
    if (!isChannel(channel)) {
      return fail('BAD_INPUT', `unknown channel ${JSON.stringify(String(channel)).slice(0, 80)}`);
    }
    try {
      // The core validates `input` against contract[channel].input itself.
      const result = sanitize(await core.invoke(channel, input as never));
      if (checkOutput && result.ok) {
        const checked = contract[channel].output.safeParse(result.value);
        if (!checked.success) {
          const detail = describeZodError(checked.error);
          console.error(`rcr: ${channel} returned output that breaks the contract: ${detail}`);
          return fail('INTERNAL', `${channel} returned output that breaks the contract: ${detail}`);
        }
      }
      return result;
    } catch (error) {
      console.error(`rcr: ${channel} threw`, error);
      return fail('INTERNAL', error instanceof Error ? error.message : String(error));
    }
  });
  return () => ipcMain.removeHandler(INVOKE_CHANNEL);
}

/**
 * Forward every core event in `eventContract` to the windows as
 * `rcr:event` `{event, payload}`.
 *
 * Only web contents whose main frame passes `isTrustedSender` receive events,
 * so a window that somehow left the app page hears nothing. In unpackaged builds
 * a payload that breaks its schema is logged and dropped.
 *
 * @returns a function that unsubscribes from the core.
 */
export function forwardCoreEvents(
  core: RcrApi,
  targets: () => readonly WebContents[],
  isTrustedSender: TrustedSenderCheck,
): () => void {
  const checkPayload = !app.isPackaged;
  const names = Object.keys(eventContract) as EventName[];
  const unsubscribers = names.map((event) =>
    core.on(event, (payload) => {
      if (checkPayload) {
        const checked = eventContract[event].safeParse(payload);
        if (!checked.success) {
          console.error(`rcr: event ${event} breaks the contract: ${describeZodError(checked.error)}`);
          return;
        }
      }
      for (const contents of targets()) {
        if (!contents.isDestroyed() && isTrustedSender(contents.mainFrame)) {
          contents.send(EVENT_CHANNEL, { event, payload });
        }
      }
    }),
  );
  return () => {
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}
