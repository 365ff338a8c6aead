/** Unwraps a core `invoke` result, throwing the API error (benches want the value or a failure). */
import type { Result } from '../../shared/contract.ts';

export function unwrapResult<T>(r: Result<T>, what: string): T {
  if (!r.ok) throw new Error(`${what} failed: ${JSON.stringify(r.error)}`);
  return r.value;
}
