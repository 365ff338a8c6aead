/**
 * `invoke(channel, input)` over a set of handlers: the one entry point of the core for every
 * transport (IPC, HTTP, CLI). Validates the input with the channel's zod schema from the contract
 * and always resolves to a `Result` — it never throws and never sends a stack trace.
 */
import {
  contract,
  READ_ONLY_CHANNELS,
  type Channel,
  type ChannelInput,
  type ChannelOutput,
  type Result,
} from '../../shared/contract.ts';
import { CoreError, toApiError } from './errors.ts';
import type { Handlers, ParsedInput } from './handler-types.ts';

/** Invokes one contract channel (see the module docs). */
export type Invoke = <C extends Channel>(
  channel: C,
  input: ChannelInput<C>,
) => Promise<Result<ChannelOutput<C>>>;

/**
 * The core's `invoke` over `handlers`. An unknown channel or invalid input is `BAD_INPUT`; with
 * `readOnly`, a channel outside `READ_ONLY_CHANNELS` is `FORBIDDEN`; a handler's error is mapped
 * by `toApiError`.
 */
export function createInvoke(handlers: Handlers<Channel>, readOnly: boolean): Invoke {
  return async <C extends Channel>(channel: C, input: ChannelInput<C>): Promise<Result<ChannelOutput<C>>> => {
    try {
      const spec = Object.hasOwn(contract, channel) ? contract[channel] : undefined;
      if (!spec) throw new CoreError('BAD_INPUT', `unknown channel "${String(channel)}"`);
      if (readOnly && !READ_ONLY_CHANNELS.has(channel))
        throw new CoreError('FORBIDDEN', `${channel} is not available on a read-only screen`);
      const parsed = spec.input.parse(input) as ParsedInput<C>;
      const value = await handlers[channel](parsed);
      return { ok: true, value };
    } catch (error) {
      return { ok: false, error: toApiError(error) };
    }
  };
}
