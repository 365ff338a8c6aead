/**
 * Flag references in the renderer: the stable id of a ref (also used in the URL hash), equality of
 * two refs, and the bare ref fields of a row-like object. Pure functions.
 */
import { flagId, type FlagRef } from '../../shared/domain.ts';

/** Stable id of a flag reference (also used in the URL hash). */
export function refId(ref: FlagRef): string {
  return flagId(ref);
}

/** True when two refs name the same flag. */
export function sameRef(a: FlagRef | null | undefined, b: FlagRef | null | undefined): boolean {
  return !!a && !!b && a.provider === b.provider && a.environment === b.environment && a.key === b.key;
}

/** Just the ref fields of a row-like object. */
export function toRef(r: FlagRef): FlagRef {
  return { provider: r.provider, environment: r.environment, key: r.key };
}
