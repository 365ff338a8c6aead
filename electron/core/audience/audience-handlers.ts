/** Contract handler of the exact audience preview (`flag.previewAudience`). */
import { readBucketing, type Bucketing } from '../../../shared/bucketing.ts';
import type { FlagRef, FlagState } from '../../../shared/domain.ts';
import { CoreError } from '../errors.ts';
import type { Handlers } from '../handler-types.ts';
import { previewAudience } from './preview.ts';

/** What {@link audienceHandlers} needs: the cached state of a flag. */
export interface AudienceHandlerDeps {
  /** The cached state of a flag. @throws CoreError NOT_FOUND for an unknown flag. */
  flag: (ref: FlagRef) => FlagState;
}

/** What a provider must do for a preview to exist, by kind. */
const NEEDS: Record<string, string> = {
  unleash: 'an Unleash flag needs an enabled flexibleRollout strategy',
  launchdarkly: 'a LaunchDarkly flag needs a fallthrough with a salt',
  local: 'the local provider adds it to every flag; sync again',
  http: 'a custom HTTP provider must describe its bucketing (see docs/audience-preview.md)',
};

/**
 * Fills a LaunchDarkly descriptor's optional `controlVariation` / `variationCount`
 * from the LaunchDarkly provider's own `native.controlVariation` and
 * `native.variations` when the descriptor lacks them, so a new rollout % is
 * previewed the way that provider's plan writes it.
 */
export function withProviderDefaults(b: Bucketing, native: Record<string, unknown>): Bucketing {
  if (b.scheme !== 'launchdarkly' || (b.controlVariation !== undefined && b.variationCount !== undefined))
    return b;
  const control = native.controlVariation;
  const count = Array.isArray(native.variations) ? native.variations.length : undefined;
  return {
    ...b,
    controlVariation:
      b.controlVariation ??
      (typeof control === 'number' && Number.isInteger(control) && control >= 0 ? control : undefined),
    variationCount: b.variationCount ?? (count && count > 0 ? count : undefined),
  };
}

/**
 * The `flag.previewAudience` handler: previews a patch with the bucketing the flag's provider stored.
 * @throws CoreError UNSUPPORTED when the flag has no bucketing details (NOT_FOUND for an unknown flag).
 */
export function audienceHandlers(d: AudienceHandlerDeps): Handlers<'flag.previewAudience'> {
  return {
    'flag.previewAudience': async ({ ref, patch, keys, sampleSize }) => {
      const state = d.flag(ref);
      const read = readBucketing(state.native);
      if (!read)
        throw new CoreError(
          'UNSUPPORTED',
          `provider "${state.provider}" (${state.providerKind}) gives no bucketing details for flag "${state.key}" ` +
            `in ${state.environment}, so there is no exact audience preview for it` +
            (NEEDS[state.providerKind] ? ` (${NEEDS[state.providerKind]})` : ''),
        );
      const bucketing = withProviderDefaults(read, state.native);
      return previewAudience({ ref, bucketing, before: state.layers, patch, keys, sampleSize });
    },
  };
}
