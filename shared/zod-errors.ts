/**
 * Turning a zod validation error into the one message a `BAD_INPUT` error carries.
 *
 * No `electron`, `node:` or DOM imports.
 */
import type { z } from 'zod';

/** Turns a zod error into one message naming each bad field, e.g. `patch.rolloutPercent: must be between 0 and 100`. */
export function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`).join('; ');
}
