/**
 * App-level UI state: which view is shown, the theme, and which flag was
 * opened last (so the fleet can put focus back on its row).
 */
import { create } from 'zustand';
import type { FlagRef } from '../../shared/domain.ts';

export type View =
  | { name: 'fleet' }
  | { name: 'flag'; ref: FlagRef }
  | { name: 'simulator'; ref: FlagRef }
  | { name: 'compare'; ref: FlagRef }
  /** Staged rollout of a flag: plan, timeline, gate, guardrail board (renderer/features/rollout). */
  | { name: 'rollout'; ref: FlagRef }
  /** Incident mode: flags in trouble, their decisions, the outbox (renderer/features/incident). */
  | { name: 'incidents' }
  /** Decision log, optionally filtered to one flag (renderer/features/decisions). */
  | { name: 'decisions'; ref: FlagRef | null };
export type Theme = 'dark' | 'light';

export const THEME_STORAGE_KEY = 'rcr.theme';

export interface UiState {
  view: View;
  theme: Theme;
  /** The flag opened most recently from the fleet. */
  lastOpened: FlagRef | null;
}

function storedTheme(): Theme {
  try {
    return globalThis.localStorage?.getItem(THEME_STORAGE_KEY) === 'light' ? 'light' : 'dark';
  } catch {
    return 'dark';
  }
}

export const initialUiState = (): UiState => ({
  view: { name: 'fleet' },
  theme: storedTheme(),
  lastOpened: null,
});

export const useUiStore = create<UiState>()(() => initialUiState());

export function showFleet(): void {
  useUiStore.setState({ view: { name: 'fleet' } });
}

export function showFlag(ref: FlagRef): void {
  const clean = { provider: ref.provider, environment: ref.environment, key: ref.key };
  useUiStore.setState({ view: { name: 'flag', ref: clean }, lastOpened: clean });
}

/** The confidence-threshold simulator of a flag. */
export function showSimulator(ref: FlagRef): void {
  const clean = { provider: ref.provider, environment: ref.environment, key: ref.key };
  useUiStore.setState({ view: { name: 'simulator', ref: clean }, lastOpened: clean });
}

/** The cohort comparison (treatment vs control metrics) of a flag. */
export function showCompare(ref: FlagRef): void {
  const clean = { provider: ref.provider, environment: ref.environment, key: ref.key };
  useUiStore.setState({ view: { name: 'compare', ref: clean }, lastOpened: clean });
}

/** The staged rollout of a flag. */
export function showRollout(ref: FlagRef): void {
  const clean = { provider: ref.provider, environment: ref.environment, key: ref.key };
  useUiStore.setState({ view: { name: 'rollout', ref: clean }, lastOpened: clean });
}

/** Incident mode (on-call screen). */
export function showIncidents(): void {
  useUiStore.setState({ view: { name: 'incidents' } });
}

/** The decision log (of one flag, or of every flag). */
export function showDecisions(ref: FlagRef | null = null): void {
  const clean = ref ? { provider: ref.provider, environment: ref.environment, key: ref.key } : null;
  useUiStore.setState({ view: { name: 'decisions', ref: clean } });
}

export function setTheme(theme: Theme): void {
  useUiStore.setState({ theme });
  try {
    globalThis.localStorage?.setItem(THEME_STORAGE_KEY, theme);
  } catch {
    // storage disabled: the choice lasts for this page only
  }
}

export function toggleTheme(): void {
  setTheme(useUiStore.getState().theme === 'dark' ? 'light' : 'dark');
}

export function resetUiStore(): void {
  useUiStore.setState(initialUiState(), true);
}
