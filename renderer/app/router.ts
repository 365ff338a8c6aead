/**
 * Hash routing (works under file:// in Electron and under http):
 * `#/` is the fleet, `#/flag/<provider>/<environment>/<key>` a flag page,
 * `#/flag/<provider>/<environment>/<key>/simulator` its threshold simulator,
 * `#/flag/<provider>/<environment>/<key>/compare` its cohort comparison,
 * `#/flag/<provider>/<environment>/<key>/rollout` its staged rollout,
 * `#/incidents` incident mode, `#/decisions` the decision log
 * (`#/decisions/<provider>/<environment>/<key>` filtered to one flag).
 */
import type { FlagRef } from '../../shared/domain.ts';
import {
  showCompare,
  showDecisions,
  showFlag,
  showFleet,
  showIncidents,
  showRollout,
  showSimulator,
  useUiStore,
  type View,
} from '../features/navigation/navigation-store.ts';

/**
 * The URL hash of a view (`#/`, `#/flag/<provider>/<environment>/<key>[/simulator|/compare|/rollout]`,
 * `#/incidents`, `#/decisions[/<provider>/<environment>/<key>]`); path parts are URI-encoded.
 */
export function viewToHash(view: View): string {
  if (view.name === 'fleet') return '#/';
  if (view.name === 'incidents') return '#/incidents';
  const refPath = (r: FlagRef) => [r.provider, r.environment, r.key].map(encodeURIComponent).join('/');
  if (view.name === 'decisions') return view.ref ? `#/decisions/${refPath(view.ref)}` : '#/decisions';
  const base = `#/flag/${refPath(view.ref)}`;
  return view.name === 'simulator'
    ? `${base}/simulator`
    : view.name === 'compare'
      ? `${base}/compare`
      : view.name === 'rollout'
        ? `${base}/rollout`
        : base;
}

/**
 * The view of a URL hash; anything unknown or badly encoded is the fleet (a bad decision-log
 * filter: the unfiltered log).
 */
export function hashToView(hash: string): View {
  if (hash === '#/incidents') return { name: 'incidents' };
  if (hash === '#/decisions') return { name: 'decisions', ref: null };
  const d = /^#\/decisions\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(hash);
  if (d) {
    try {
      const ref = [d[1]!, d[2]!, d[3]!].map(decodeURIComponent) as [string, string, string];
      return { name: 'decisions', ref: { provider: ref[0], environment: ref[1], key: ref[2] } };
    } catch {
      return { name: 'decisions', ref: null };
    }
  }
  const m = /^#\/flag\/([^/]+)\/([^/]+)\/([^/]+)(?:\/(simulator|compare|rollout))?$/.exec(hash);
  if (!m) return { name: 'fleet' };
  try {
    const ref: FlagRef = {
      provider: decodeURIComponent(m[1]!),
      environment: decodeURIComponent(m[2]!),
      key: decodeURIComponent(m[3]!),
    };
    return m[4] === 'simulator'
      ? { name: 'simulator', ref }
      : m[4] === 'compare'
        ? { name: 'compare', ref }
        : m[4] === 'rollout'
          ? { name: 'rollout', ref }
          : { name: 'flag', ref };
  } catch {
    return { name: 'fleet' };
  }
}

function apply(view: View): void {
  if (view.name === 'flag') showFlag(view.ref);
  else if (view.name === 'simulator') showSimulator(view.ref);
  else if (view.name === 'compare') showCompare(view.ref);
  else if (view.name === 'rollout') showRollout(view.ref);
  else if (view.name === 'incidents') showIncidents();
  else if (view.name === 'decisions') showDecisions(view.ref);
  else showFleet();
}

/**
 * Shows the view of the current hash, then keeps the hash and the navigation store in step both
 * ways. Returns the stop function.
 */
export function startRouter(): () => void {
  apply(hashToView(window.location.hash));
  const onHash = () => {
    const wanted = hashToView(window.location.hash);
    if (viewToHash(wanted) !== viewToHash(useUiStore.getState().view)) apply(wanted);
  };
  window.addEventListener('hashchange', onHash);
  const unsubscribe = useUiStore.subscribe((s, prev) => {
    if (s.view === prev.view) return;
    const hash = viewToHash(s.view);
    const current = window.location.hash || '#/';
    if (hash !== current) window.location.hash = hash;
  });
  return () => {
    window.removeEventListener('hashchange', onHash);
    unsubscribe();
  };
}
