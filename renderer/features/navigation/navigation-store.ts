/**
 * App-level UI state: which view is shown, the theme, and which flag was
 * opened last (so the fleet can put focus back on its row). Every page
 * navigates through the `show…` actions; `app/router.ts` keeps the URL hash
 * in step with {@link UiState.view}.
 */
import { create } from 'zustand';
import type { FlagRef } from '../../../shared/domain.ts';

/** The screen shown, with the flag it is about where it has one. */
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
/** The colour theme. */
export type Theme = 'dark' | 'light';

/** `localStorage` key of the chosen theme (`'light'` or `'dark'`). */
export const THEME_STORAGE_KEY = 'rcr.theme';

/** Which screen is shown, the theme, and the flag opened last. */
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

/** A fresh store: the fleet, the stored theme (dark when none or storage is disabled). */
export const initialUiState = (): UiState => ({
  view: { name: 'fleet' },
  theme: storedTheme(),
  lastOpened: null,
});

/** The navigation store (view and theme, app-wide). */
export const useUiStore = create<UiState>()(() => initialUiState());

/** Show the fleet. */
export function showFleet(): void {
  useUiStore.setState({ view: { name: 'fleet' } });
}

/** Show a flag's page (and remember it as the flag opened last). */
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

/** Switch the theme and remember it in `localStorage` (when storage is disabled, for this page only). */
export function setTheme(theme: Theme): void {
  useUiStore.setState({ theme });
  try {
    globalThis.localStorage?.setItem(THEME_STORAGE_KEY, theme);
  } catch {
    // storage disabled: the choice lasts for this page only
  }
}

/** Switch between dark and light. */
export function toggleTheme(): void {
  setTheme(useUiStore.getState().theme === 'dark' ? 'light' : 'dark');
}

/** Back to a fresh store (tests). */
export function resetUiStore(): void {
  useUiStore.setState(initialUiState(), true);
}
