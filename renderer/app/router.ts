/**
 * Hash routing (works under file:// in Electron and under http):
 * `#/` is the fleet, `#/flag/<provider>/<environment>/<key>` a flag page.
 */
import type { FlagRef } from '../../shared/domain.ts';
import { showFlag, showFleet, useUiStore, type View } from '../stores/ui-store.ts';

export function viewToHash(view: View): string {
  if (view.name === 'fleet') return '#/';
  const { provider, environment, key } = view.ref;
  return `#/flag/${[provider, environment, key].map(encodeURIComponent).join('/')}`;
}

export function hashToView(hash: string): View {
  const m = /^#\/flag\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(hash);
  if (!m) return { name: 'fleet' };
  try {
    const ref: FlagRef = {
      provider: decodeURIComponent(m[1]!),
      environment: decodeURIComponent(m[2]!),
      key: decodeURIComponent(m[3]!),
    };
    return { name: 'flag', ref };
  } catch {
    return { name: 'fleet' };
  }
}

function apply(view: View): void {
  if (view.name === 'flag') showFlag(view.ref);
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
