/**
 * What a change's answer says: whether the re-read layers confirm a patch, whether a failed write
 * may still have reached the provider, and the decision words of a direct change.
 */
import type { FlagLayers, LayerPatch } from '../../../shared/domain.ts';
import type { DecisionAction } from '../../../shared/decisions.ts';
import { ProviderError } from '../providers/provider.ts';

/** A write that got no answer, and a re-read that failed too: neither confirmed nor refused. */
export class OutcomeUnknown extends Error {
  /** @param cause the error of the write whose answer was lost. */
  constructor(cause: unknown) {
    super('the outcome of the change is unknown', { cause });
    this.name = 'OutcomeUnknown';
  }
}

/** True when the re-read layers hold every value the patch asked for. */
export function confirmsPatch(layers: FlagLayers, patch: LayerPatch): boolean {
  return Object.entries(patch).every(
    ([k, v]) => JSON.stringify((layers as Record<string, unknown>)[k]) === JSON.stringify(v),
  );
}

/**
 * Whether a failed write may still have reached the provider: it got no answer (a timeout, a
 * reset, the command's deadline mid-call — a `ProviderError` without an HTTP status that was not
 * refused before sending) or something other than a provider error broke off. An HTTP error
 * answer means the provider refused it; a refused connection, that it never saw it.
 */
export function mayHaveReached(error: unknown): boolean {
  return !(error instanceof ProviderError) || (error.status === null && !error.notSent);
}

/** The decision action of a direct layer change: `kill` when it only turns the kill switch to Killed. */
export function decisionActionOf(patch: LayerPatch): DecisionAction {
  return patch.enabled === false && Object.keys(patch).length === 1 ? 'kill' : 'set';
}

const VERB: Partial<Record<DecisionAction, string>> = {
  kill: 'killed',
  restore: 'restored',
  revert: 'reverted',
  set: 'changed',
};

/** The past-tense verb of a decision action in a rationale (`killed`, `restored`…), else the action. */
export function decisionVerb(action: DecisionAction): string {
  return VERB[action] ?? action;
}
