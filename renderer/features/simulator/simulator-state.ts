/**
 * The threshold simulator store's state: its shape (logs, cached sweeps, the candidate threshold,
 * the recommendation and A/B forms and answers, the import dialog) and its initial value. Types and
 * values only; the actions live in simulator-store.ts.
 */
import type { ApiError } from '../../../shared/contract.ts';
import type { FlagRef } from '../../../shared/domain.ts';
import type {
  AbResult,
  PredictionLog,
  Recommendation,
  Slice,
  SweepSeries,
} from '../../../shared/simulator.ts';
import type { LoadStatus } from '../fleet/fleet-store.ts';
import type { AbDraft, AbFieldErrors } from './simulator-model.ts';
import type { ImportRunState, ImportRunStatus } from '../../lib/file-import.ts';

/** Where one slice's sweep is: loading, ready, or failed (retried on the next request). */
export type SweepStatus = 'loading' | 'ready' | 'error';

/** One cached sweep: its series once loaded, or the error. */
export interface SweepEntry {
  status: SweepStatus;
  series: SweepSeries | null;
  error: ApiError | null;
}

/** What a recommendation aims for: a minimum precision or a maximum false-positive rate. */
export type TargetKind = 'min-precision' | 'max-fpr';

/** The recommendation target as edited (text fields are sent as typed; the server validates). */
export interface TargetDraft {
  kind: TargetKind;
  minPrecision: string;
  useLowerBound: boolean;
  maxFpr: string;
}

/** Where an on-demand request (recommend, A/B) is: idle, loading, ready or failed. */
export type RequestStatus = 'idle' | 'loading' | 'ready' | 'error';

/** Plain-language messages shown next to the recommendation target fields. */
export type TargetFieldErrors = Partial<Record<'minPrecision' | 'maxFpr', string>>;

/** Where a prediction-log import is: not started, running, failed or done. */
export type ImportStatus = ImportRunStatus;

/** The prediction-log import dialog: the shared import run (file or path, progress), name and attach flag. */
export interface ImportState extends ImportRunState<'predictions.import'> {
  open: boolean;
  name: string;
  /** Attach the imported log to the open flag. */
  attach: boolean;
}

/** What the simulator needs to know about the flag to pick defaults. */
export interface FlagContext {
  /** The flag's `confidenceThreshold` (the "current" threshold). */
  threshold: number | null;
  modelVersion: string | null;
}

/** Everything the simulator shows and edits for the open flag. */
export interface SimulatorState {
  ref: FlagRef | null;
  flag: FlagContext;
  logsStatus: LoadStatus;
  logsError: ApiError | null;
  /** Logs attached to the open flag. */
  flagLogs: PredictionLog[];
  /** Every stored log (including the flag's). */
  allLogs: PredictionLog[];
  logId: number | null;
  /** The slice the charts and the projected change show. */
  slice: Slice;
  /** Cached sweeps by {@link sliceKey}. */
  sweeps: Record<string, SweepEntry>;
  /** Candidate threshold (0–1, on the 0.001 grid); `null` until initialised from the flag. */
  candidate: number | null;
  /** Users per day for the projection, as typed. */
  usersPerDay: string;
  target: TargetDraft;
  recommendStatus: RequestStatus;
  recommendations: Recommendation[];
  recommendError: ApiError | null;
  /** Messages next to the target fields after a Recommend with bad input (nothing is sent then). */
  targetFieldErrors: TargetFieldErrors;
  /** A/B inputs and the inputs of the shown result. */
  ab: AbDraft | null;
  abStatus: RequestStatus;
  abResult: AbResult | null;
  abResultFor: AbDraft | null;
  abError: ApiError | null;
  /** Messages next to the A/B fields after a Compare with bad input (nothing is sent then). */
  abFieldErrors: AbFieldErrors;
  import: ImportState;
}

/** Users per day the projection starts with (as typed). */
export const DEFAULT_USERS_PER_DAY = '10000';
/** Minimum precision the recommendation target starts with (0–1, as typed). */
export const DEFAULT_MIN_PRECISION = '0.95';
/** Maximum false-positive rate the recommendation target starts with (0–1, as typed). */
export const DEFAULT_MAX_FPR = '0.05';

/** A closed import dialog with an empty form (attach to the open flag checked). */
export const initialImport = (): ImportState => ({
  open: false,
  path: '',
  file: null,
  uploaded: null,
  name: '',
  attach: true,
  status: 'idle',
  progress: null,
  error: null,
  result: null,
});

/** A fresh store: no flag, no log, the default target and users per day. */
export const initialSimulatorState = (): SimulatorState => ({
  ref: null,
  flag: { threshold: null, modelVersion: null },
  logsStatus: 'idle',
  logsError: null,
  flagLogs: [],
  allLogs: [],
  logId: null,
  slice: { modelVersion: null, segment: null },
  sweeps: {},
  candidate: null,
  usersPerDay: DEFAULT_USERS_PER_DAY,
  target: {
    kind: 'min-precision',
    minPrecision: DEFAULT_MIN_PRECISION,
    useLowerBound: true,
    maxFpr: DEFAULT_MAX_FPR,
  },
  recommendStatus: 'idle',
  recommendations: [],
  recommendError: null,
  targetFieldErrors: {},
  ab: null,
  abStatus: 'idle',
  abResult: null,
  abResultFor: null,
  abError: null,
  abFieldErrors: {},
  import: initialImport(),
});
