/** Errors that cross the contract, and the mapping of core errors onto stable codes. */
import { ZodError } from 'zod';
import { describeZodError, type ApiError, type ErrorCode } from '../../shared/contract.ts';
import {
  ConflictError,
  FlagNotFoundError,
  ProviderError,
  UnsupportedChangeError,
} from './providers/provider.ts';
import { ConfigError } from './config.ts';
import { NewerSchemaError } from './db/database.ts';
import { PredictionFormatError } from './simulator/prediction-reader.ts';

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

/** Maps any thrown value to `{code, message}`; never includes a stack trace. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof CoreError) return { code: error.code, message: error.message };
  if (error instanceof ZodError) return { code: 'BAD_INPUT', message: describeZodError(error) };
  if (error instanceof FlagNotFoundError) return { code: 'NOT_FOUND', message: error.message };
  if (error instanceof ConflictError) return { code: 'CONFLICT', message: error.message };
  if (error instanceof UnsupportedChangeError) return { code: 'UNSUPPORTED', message: error.message };
  if (error instanceof ProviderError) return { code: 'PROVIDER_ERROR', message: error.message };
  if (
    error instanceof ConfigError ||
    error instanceof NewerSchemaError ||
    error instanceof PredictionFormatError
  )
    return { code: 'BAD_INPUT', message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
