/**
 * The one {@link RcrApi} the stores talk to.
 *
 * `main.tsx` installs the real transport (Electron preload or HTTP); unit tests
 * install the mock. Nothing here ever picks a fallback on its own.
 */
import type { RcrApi } from '../../shared/contract.ts';

let current: RcrApi | null = null;

/** Install the API used by every store action. */
export function setApi(api: RcrApi): void {
  current = api;
}

/** The installed API; throws if none was installed (a programming error). */
export function api(): RcrApi {
  if (!current) throw new Error('rcr: no API installed (call setApi first)');
  return current;
}
