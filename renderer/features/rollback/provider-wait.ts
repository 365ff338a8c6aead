/**
 * "Waiting for rate limit (Ns)": listens to the core's `provider.waiting`
 * events (a provider retrying after e.g. a LaunchDarkly 429) for one flag
 * while an action runs, and counts the announced wait down in whole seconds.
 */
import { useEffect, useState } from 'react';
import type { FlagRef } from '../../../shared/domain.ts';
import { api } from '../../api/current.ts';

interface Wait {
  /** `provider/environment/key` the wait was announced for. */
  id: string;
  /** When the wait ends, ms since epoch (local clock). */
  until: number;
}

const idOf = (ref: FlagRef) => `${ref.provider}/${ref.environment}/${ref.key}`;

/**
 * Seconds left of the provider's current wait for `ref`, or `null` when it is
 * not waiting (or `active` is false). Events for other flags of the same
 * provider are ignored; events without a flag (e.g. a list page) count.
 */
export function useProviderWait(ref: FlagRef | null, active: boolean): number | null {
  const [wait, setWait] = useState<Wait | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const provider = ref?.provider;
  const environment = ref?.environment;
  const key = ref?.key;
  useEffect(() => {
    if (!active || !provider || !environment || !key) return undefined;
    const id = `${provider}/${environment}/${key}`;
    return api().on('provider.waiting', (w) => {
      if (w.provider !== provider) return;
      if (w.key !== null && w.key !== key) return;
      if (w.environment !== null && w.environment !== environment) return;
      const t = Date.now();
      setNow(t);
      setWait({ id, until: t + w.waitMs });
    });
  }, [active, provider, environment, key]);
  const waiting = wait !== null && active && ref !== null && wait.id === idOf(ref) && wait.until > now;
  useEffect(() => {
    if (!waiting) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [waiting]);
  return waiting ? Math.max(1, Math.ceil((wait.until - now) / 1000)) : null;
}
