/**
 * Development-only check that every successful response matches the
 * contract's output schema, so drift between core and renderer shows up early.
 */
import { contract, type RcrApi } from '../../shared/contract.ts';
import { describeZodError } from '../../shared/zod-errors.ts';

/**
 * Wraps `inner` so a successful response that does not match the channel's output schema becomes an
 * `INTERNAL` failure (and is logged). Development builds only.
 */
export function withOutputValidation(inner: RcrApi): RcrApi {
  return {
    async invoke(channel, input) {
      const result = await inner.invoke(channel, input);
      if (!result.ok) return result;
      const parsed = contract[channel].output.safeParse(result.value);
      if (!parsed.success) {
        const message = `response of ${channel} does not match the contract: ${describeZodError(parsed.error)}`;
        console.error(`rcr: ${message}`, result.value);
        return { ok: false, error: { code: 'INTERNAL', message } };
      }
      return result;
    },
    on: (event, listener) => inner.on(event, listener),
  };
}
