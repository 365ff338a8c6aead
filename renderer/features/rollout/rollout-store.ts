/**
 * The staged rollout of one flag (`#/flag/<provider>/<environment>/<key>/rollout`): its plan and
 * state, the stage gate, the live guardrail board, the plan editor (templates, planner) and the
 * guardrail form.
 *
 * Reads:
 * - opening the page and "Refresh" call `rollout.get` (evaluates the gate now);
 * - `rollout.changed` / `monitor.decision` events of the flag and the poll re-read through
 *   `rollout.list`, which changes nothing (`rollout.get` re-evaluates the guardrails, so calling it
 *   on every monitor event would count each breach twice);
 * - a read-only session refuses `rollout.get` (FORBIDDEN): the store then reads `rollout.list` only.
 */
import { create } from 'zustand';
import type { ApiError, ChannelOutput } from '../../../shared/contract.ts';
import type { FlagRef } from '../../../shared/domain.ts';
import type { MetricDefinition } from '../../../shared/metrics.ts';
import type { Guardrail } from '../../../shared/guardrails.ts';
import type { PlanTemplate } from '../../../shared/rollout-plans.ts';
import type { RolloutView } from '../../../shared/rollout-state.ts';
import { api } from '../../api/current.ts';
import { sameRef, toRef } from '../../lib/flag-ref.ts';
import {
  draftToGuardrail,
  guardrailToDraft,
  initialGuardrailDraft,
  type GuardrailDraft,
} from './guardrail-draft.ts';
import {
  draftToPlan,
  draftToStages,
  emptyStageDraft,
  planToDraft,
  type FieldError,
  type PlanDraft,
  type StageDraft,
} from './plan-form.ts';
import { initialPlannerDraft, plannerDraftToInputs, type PlannerDraft } from './planner-draft.ts';

/** How far the page's read got: not started, running, done (`ready`), or failed with nothing to show. */
export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';
/** Fallback re-read of the view (`rollout.list`) while the page is visible, in ms. */
export const POLL_MS = 15_000;
const EVENT_DEBOUNCE_MS = 250;

/** The plan editor: the plan and planner as typed, and the last plan / save outcome. */
export interface EditorState {
  open: boolean;
  draft: PlanDraft;
  planner: PlannerDraft;
  /** Show the planner's form. */
  plannerOpen: boolean;
  status: 'idle' | 'planning' | 'saving' | 'failed' | 'saved';
  error: ApiError | null;
  fieldErrors: FieldError[];
}

/** The guardrail dialog: the guardrail as typed and the save outcome. */
export interface GuardrailFormState {
  open: boolean;
  /** Editing an existing guardrail (its id cannot change). */
  editing: boolean;
  draft: GuardrailDraft;
  status: 'idle' | 'saving' | 'failed';
  error: ApiError | null;
}

/** Everything the rollout page shows and edits for the open flag. */
export interface RolloutPageState {
  ref: FlagRef | null;
  status: LoadStatus;
  view: RolloutView | null;
  error: ApiError | null;
  /** True when the last read evaluated the gate now (`rollout.get`). */
  fresh: boolean;
  /** The session refused `rollout.get` (read-only): only `rollout.list` is read. */
  readOnly: boolean;
  /** Guardrails defined for the flag (some may not be evaluated yet). */
  defined: Guardrail[];
  templates: PlanTemplate[];
  templatesError: ApiError | null;
  metrics: MetricDefinition[];
  editor: EditorState;
  guardrailForm: GuardrailFormState;
  removing: { id: string; status: 'confirm' | 'removing' | 'failed'; error: ApiError | null } | null;
  evaluating: boolean;
  lastRun: ChannelOutput<'monitor.evaluateNow'> | null;
  evaluateError: ApiError | null;
}

const emptyDraft = (): PlanDraft => ({ name: '', templateId: null, stages: [], planner: null });

const initialEditor = (): EditorState => ({
  open: false,
  draft: emptyDraft(),
  planner: initialPlannerDraft(),
  plannerOpen: false,
  status: 'idle',
  error: null,
  fieldErrors: [],
});

const initialGuardrailForm = (): GuardrailFormState => ({
  open: false,
  editing: false,
  draft: initialGuardrailDraft(),
  status: 'idle',
  error: null,
});

/** A fresh store: no flag open, editor and guardrail form closed. */
export const initialRolloutState = (): RolloutPageState => ({
  ref: null,
  status: 'idle',
  view: null,
  error: null,
  fresh: false,
  readOnly: false,
  defined: [],
  templates: [],
  templatesError: null,
  metrics: [],
  editor: initialEditor(),
  guardrailForm: initialGuardrailForm(),
  removing: null,
  evaluating: false,
  lastRun: null,
  evaluateError: null,
});

/** The rollout-page store (one flag at a time). */
export const useRolloutStore = create<RolloutPageState>()(() => initialRolloutState());
const get = () => useRolloutStore.getState();
const set = (patch: Partial<RolloutPageState>) => useRolloutStore.setState(patch);

let generation = 0;
let readGeneration = 0;

/** An empty view for a flag without plan or guardrails. */
export function emptyView(ref: FlagRef): RolloutView {
  return { flag: toRef(ref), plan: null, state: null, gate: null, guardrails: [], calendar: [] };
}

/* ---------------- loading ---------------- */

/** Opens a flag's rollout page: view (fresh), templates and metric definitions. */
export async function openRollout(ref: FlagRef): Promise<void> {
  const clean = toRef(ref);
  if (!sameRef(get().ref, clean)) {
    generation += 1;
    useRolloutStore.setState({ ...initialRolloutState(), ref: clean }, true);
  }
  await Promise.all([loadRollout(true), loadTemplates(), loadMetrics()]);
}

/**
 * Re-reads the view. `fresh`: through `rollout.get` (evaluates the gate now); else through
 * `rollout.list` (the monitor's last evaluation; changes nothing).
 */
export async function loadRollout(fresh = false): Promise<void> {
  const ref = get().ref;
  if (!ref) return;
  const gen = generation;
  const read = ++readGeneration;
  if (get().status !== 'ready') set({ status: 'loading', error: null });
  let view: RolloutView | null = null;
  let error: ApiError | null = null;
  let usedFresh = false;
  if (fresh && !get().readOnly) {
    const r = await api().invoke('rollout.get', { flag: ref });
    if (r.ok) {
      view = r.value;
      usedFresh = true;
    } else if (r.error.code === 'FORBIDDEN') set({ readOnly: true });
    else error = r.error;
  }
  if (!view && !error) {
    const r = await api().invoke('rollout.list', {});
    if (r.ok) view = r.value.find((v) => sameRef(v.flag, ref)) ?? emptyView(ref);
    else error = r.error;
  }
  const defined = view ? await api().invoke('guardrails.list', { flag: ref }) : null;
  if (gen !== generation || read !== readGeneration) return;
  if (view)
    set({
      status: 'ready',
      view,
      error: null,
      fresh: usedFresh,
      defined: defined?.ok ? defined.value : view.guardrails.map((g) => g.guardrail),
    });
  else set({ status: get().view ? 'ready' : 'error', error });
}

/** Reads the plan templates (`rollout.templates`); a failure is kept in `templatesError`. */
export async function loadTemplates(): Promise<void> {
  const gen = generation;
  const r = await api().invoke('rollout.templates', {});
  if (gen !== generation) return;
  if (r.ok) set({ templates: r.value, templatesError: null });
  else set({ templatesError: r.error });
}

/**
 * Reads the flag's metric definitions (`metrics.list`), offered in the guardrail form; a failure
 * keeps the last list.
 */
export async function loadMetrics(): Promise<void> {
  const ref = get().ref;
  if (!ref) return;
  const gen = generation;
  const r = await api().invoke('metrics.list', { flag: ref });
  if (gen !== generation) return;
  if (r.ok) set({ metrics: r.value });
}

/**
 * Re-reads on `rollout.changed` / `monitor.decision` events of the flag (debounced) and every
 * {@link POLL_MS}; returns the unsubscribe function.
 */
export function startRolloutLive(): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (flag: FlagRef) => {
    if (!sameRef(flag, get().ref)) return;
    clearTimeout(timer);
    timer = setTimeout(() => void loadRollout(false), EVENT_DEBOUNCE_MS);
  };
  const offChanged = api().on('rollout.changed', (e) => schedule(e.flag));
  const offDecision = api().on('monitor.decision', (d) => schedule(d.flag));
  const poll = setInterval(() => {
    if (typeof document === 'undefined' || !document.hidden) void loadRollout(false);
  }, POLL_MS);
  return () => {
    clearTimeout(timer);
    clearInterval(poll);
    offChanged();
    offDecision();
  };
}

/* ---------------- plan editor ---------------- */

function setEditor(patch: Partial<EditorState>): void {
  set({ editor: { ...get().editor, ...patch } });
}

/** Opens the editor on the saved plan, or (without one) on the first template. */
export function openEditor(): void {
  const { view, templates, ref } = get();
  const draft = view?.plan
    ? planToDraft(view.plan)
    : templates[0]
      ? { ...planToDraft(templates[0]), name: `${templates[0].name} · ${ref?.key ?? ''}`.trim() }
      : { ...emptyDraft(), name: `Plan for ${ref?.key ?? 'flag'}`, stages: [emptyStageDraft()] };
  set({ editor: { ...initialEditor(), open: true, draft } });
}

/** Closes the plan editor, dropping the draft; ignored while saving. */
export function closeEditor(): void {
  if (get().editor.status === 'saving') return;
  set({ editor: initialEditor() });
}

/** Replaces the draft's stages with a template's (the planner's computation is dropped). */
export function chooseTemplate(id: string): void {
  const t = get().templates.find((x) => x.id === id);
  if (!t) return;
  const ref = get().ref;
  setEditor({
    draft: { ...planToDraft(t), name: `${t.name} · ${ref?.key ?? ''}`.trim() },
    status: 'idle',
    error: null,
    fieldErrors: [],
  });
}

/** Renames the draft plan. */
export function setPlanName(name: string): void {
  setEditor({ draft: { ...get().editor.draft, name } });
}

/** Edits stage `index` (0-based) of the draft; clears a failed save's errors. */
export function setStageField(index: number, patch: Partial<StageDraft>): void {
  const stages = get().editor.draft.stages.map((s, i) => (i === index ? { ...s, ...patch } : s));
  setEditor({
    draft: { ...get().editor.draft, stages },
    ...(get().editor.status === 'failed' ? { status: 'idle' as const, error: null, fieldErrors: [] } : {}),
  });
}

/** Appends a stage after the last one (see `emptyStageDraft`: the next target % doubles). */
export function addStage(): void {
  const stages = get().editor.draft.stages;
  setEditor({ draft: { ...get().editor.draft, stages: [...stages, emptyStageDraft(stages.at(-1))] } });
}

/** Removes stage `index` (0-based) from the draft. */
export function removeStage(index: number): void {
  const stages = get().editor.draft.stages.filter((_, i) => i !== index);
  setEditor({ draft: { ...get().editor.draft, stages } });
}

/** Shows or hides the planner's form (`open` omitted: toggles). */
export function togglePlanner(open?: boolean): void {
  setEditor({ plannerOpen: open ?? !get().editor.plannerOpen });
}

/** Edits the planner's inputs; clears a failed run's error. */
export function setPlannerField(patch: Partial<PlannerDraft>): void {
  setEditor({
    planner: { ...get().editor.planner, ...patch },
    ...(get().editor.status === 'failed' ? { status: 'idle' as const, error: null } : {}),
  });
}

/** Sizes the draft's stages with the planner (`rollout.plan`); the editor then shows its result. */
export async function runPlanner(): Promise<boolean> {
  const { ref, editor } = get();
  if (!ref || editor.status === 'planning') return false;
  const inputs = plannerDraftToInputs(editor.planner);
  if (!inputs.ok) {
    setEditor({ status: 'failed', error: { code: 'BAD_INPUT', message: inputs.message }, fieldErrors: [] });
    return false;
  }
  const stages = draftToStages(editor.draft.stages);
  if (!stages.ok) {
    setEditor({
      status: 'failed',
      error: { code: 'BAD_INPUT', message: 'fix the stages before running the planner' },
      fieldErrors: stages.errors,
    });
    return false;
  }
  const gen = generation;
  setEditor({ status: 'planning', error: null, fieldErrors: [] });
  const r = await api().invoke('rollout.plan', {
    flag: ref,
    name: editor.draft.name.trim() || undefined,
    ...(editor.draft.templateId ? { templateId: editor.draft.templateId } : {}),
    stages: stages.stages,
    inputs: inputs.inputs,
  });
  if (gen !== generation) return false;
  if (!r.ok) {
    setEditor({ status: 'failed', error: r.error });
    return false;
  }
  setEditor({ status: 'idle', draft: { ...planToDraft(r.value), name: r.value.name } });
  return true;
}

/** Saves the draft (`rollout.savePlan`); on success closes the editor and shows the new view. */
export async function savePlan(): Promise<boolean> {
  const { ref, editor } = get();
  if (!ref || editor.status === 'saving') return false;
  const built = draftToPlan(ref, editor.draft);
  if (!built.ok) {
    setEditor({
      status: 'failed',
      error: { code: 'BAD_INPUT', message: built.errors.map((e) => e.message).join('; ') },
      fieldErrors: built.errors,
    });
    return false;
  }
  const gen = generation;
  setEditor({ status: 'saving', error: null, fieldErrors: [] });
  const r = await api().invoke('rollout.savePlan', built.plan);
  if (gen !== generation) return false;
  if (!r.ok) {
    setEditor({ status: 'failed', error: r.error });
    return false;
  }
  set({ view: r.value, status: 'ready', editor: initialEditor() });
  return true;
}

/* ---------------- guardrails ---------------- */

function setForm(patch: Partial<GuardrailFormState>): void {
  set({ guardrailForm: { ...get().guardrailForm, ...patch } });
}

/**
 * Opens the guardrail dialog: on guardrail `existingId` (its id then cannot change), or on a
 * new guardrail of the flag's first metric.
 */
export function openGuardrailForm(existingId?: string): void {
  const existing = get().view?.guardrails.find((g) => g.guardrail.id === existingId)?.guardrail;
  const draft = existing ? guardrailToDraft(existing) : initialGuardrailDraft(get().metrics[0]?.name ?? '');
  set({ guardrailForm: { ...initialGuardrailForm(), open: true, editing: !!existing, draft } });
}

/** Closes the guardrail dialog, dropping the draft; ignored while saving. */
export function closeGuardrailForm(): void {
  if (get().guardrailForm.status === 'saving') return;
  set({ guardrailForm: initialGuardrailForm() });
}

/** Edits the guardrail draft; clears a failed save's error. */
export function setGuardrailField(patch: Partial<GuardrailDraft>): void {
  setForm({
    draft: { ...get().guardrailForm.draft, ...patch },
    ...(get().guardrailForm.status === 'failed' ? { status: 'idle' as const, error: null } : {}),
  });
}

/** Sends the form to `guardrails.define`; on success closes it and re-reads the view (fresh). */
export async function submitGuardrail(): Promise<boolean> {
  const { ref, guardrailForm } = get();
  if (!ref || guardrailForm.status === 'saving') return false;
  const built = draftToGuardrail(ref, guardrailForm.draft);
  if (!built.ok) {
    setForm({ status: 'failed', error: { code: 'BAD_INPUT', message: built.message } });
    return false;
  }
  const gen = generation;
  setForm({ status: 'saving', error: null });
  const r = await api().invoke('guardrails.define', built.value);
  if (gen !== generation) return false;
  if (!r.ok) {
    setForm({ status: 'failed', error: r.error });
    return false;
  }
  set({ guardrailForm: initialGuardrailForm() });
  await loadRollout(true);
  return true;
}

/** Asks to confirm the removal of guardrail `id`. */
export function askRemoveGuardrail(id: string): void {
  set({ removing: { id, status: 'confirm', error: null } });
}

/** Drops the removal question; ignored while the removal runs. */
export function cancelRemoveGuardrail(): void {
  if (get().removing?.status === 'removing') return;
  set({ removing: null });
}

/**
 * Removes the guardrail asked about (`guardrails.remove`), then re-reads the view.
 * @returns whether it was removed; a failure stays in `removing.error`.
 */
export async function confirmRemoveGuardrail(): Promise<boolean> {
  const { ref, removing } = get();
  if (!ref || !removing || removing.status === 'removing') return false;
  const gen = generation;
  set({ removing: { ...removing, status: 'removing', error: null } });
  const r = await api().invoke('guardrails.remove', { flag: ref, id: removing.id });
  if (gen !== generation) return false;
  if (!r.ok) {
    set({ removing: { ...removing, status: 'failed', error: r.error } });
    return false;
  }
  set({ removing: null });
  await loadRollout(false);
  return true;
}

/* ---------------- monitor ---------------- */

/** Runs one monitor evaluation of this flag now (`monitor.evaluateNow`), then re-reads. */
export async function evaluateNow(): Promise<boolean> {
  const ref = get().ref;
  if (!ref || get().evaluating) return false;
  const gen = generation;
  set({ evaluating: true, evaluateError: null });
  const r = await api().invoke('monitor.evaluateNow', { flag: ref });
  if (gen !== generation) return false;
  if (!r.ok) {
    set({ evaluating: false, evaluateError: r.error });
    return false;
  }
  set({ evaluating: false, lastRun: r.value });
  await loadRollout(false);
  return true;
}

/** Back to a fresh store; answers still pending are dropped (tests, leaving the page). */
export function resetRolloutStore(): void {
  generation += 1;
  readGeneration += 1;
  useRolloutStore.setState(initialRolloutState(), true);
}
