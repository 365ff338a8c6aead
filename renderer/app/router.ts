/**
 * Hash routing (works under file:// in Electron and under http):
 * `#/` is the fleet, `#/flag/<provider>/<environment>/<key>` a flag page,
 * `#/flag/<provider>/<environment>/<key>/simulator` its threshold simulator,
 * `#/flag/<provider>/<environment>/<key>/compare` its cohort comparison.
 */
import type { FlagRef } from '../../shared/domain.ts';
import {
  showCompare,
  showFlag,
  showFleet,
  showSimulator,
  useUiStore,
  type View,
} from '../stores/ui-store.ts';

export function viewToHash(view: View): string {
  if (view.name === 'fleet') return '#/';
  const { provider, environment, key } = view.ref;
  const base = `#/flag/${[provider, environment, key].map(encodeURIComponent).join('/')}`;
  return view.name === 'simulator' ? `${base}/simulator` : view.name === 'compare' ? `${base}/compare` : base;
}

export function hashToView(hash: string): View {
  const m = /^#\/flag\/([^/]+)\/([^/]+)\/([^/]+)(?:\/(simulator|compare))?$/.exec(hash);
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
        : { name: 'flag', ref };
  } catch {
    return { name: 'fleet' };
  }
}

function apply(view: View): void {
  if (view.name === 'flag') showFlag(view.ref);
  else if (view.name === 'simulator') showSimulator(view.ref);
  else if (view.name === 'compare') showCompare(view.ref);
  else showFleet();
}

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
