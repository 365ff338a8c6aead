/**
 * Errors that cross the contract, and the mapping of core errors onto stable codes. Imports
 * nothing of the core: an error class that has a code says so itself (`apiCode`, see
 * {@link CodedError}), so this module sits below every feature.
 */
import { ZodError } from 'zod';
import { ErrorCodeSchema, type ApiError, type ErrorCode } from '../../shared/contract.ts';
import { describeZodError } from '../../shared/zod-errors.ts';

/** An error with a contract error code and a message meant for the user. */
export class CoreError extends Error {
  readonly code: ErrorCode;
  /** `options.cause`: the error this one wraps (kept for the core, never sent to a client). */
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CoreError';
    this.code = code;
  }
}

/**
 * An error class of the core that says which contract code it maps to, e.g. `ProviderError`
 * (`PROVIDER_ERROR`), `FlagNotFoundError` (`NOT_FOUND`), `ConfigError` (`BAD_INPUT`). Its message
 * is meant for the user.
 */
export interface CodedError extends Error {
  readonly apiCode: ErrorCode;
}

function isCodedError(error: unknown): error is CodedError {
  return error instanceof Error && ErrorCodeSchema.safeParse((error as Partial<CodedError>).apiCode).success;
}

/**
 * Maps any thrown value to `{code, message}`; never includes a stack trace. A {@link CoreError}
 * keeps its code, a `ZodError` is `BAD_INPUT` with the issues in words, a {@link CodedError} its
 * `apiCode`, anything else `INTERNAL`.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof CoreError) return { code: error.code, message: error.message };
  if (error instanceof ZodError) return { code: 'BAD_INPUT', message: describeZodError(error) };
  if (isCodedError(error)) return { code: error.apiCode, message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
