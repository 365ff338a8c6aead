import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.ts';
import { NewerSchemaError } from './db/database.ts';
import { CoreError, toApiError } from './errors.ts';
import { DeadlineExceededError } from './providers/provider-http.ts';
import {
  ConflictError,
  FlagNotFoundError,
  ProviderError,
  UnsupportedChangeError,
} from './providers/provider.ts';
import { PredictionFormatError } from './simulator/prediction-reader.ts';

describe('toApiError: every core error says its own contract code', () => {
  it.each([
    [new CoreError('FORBIDDEN', 'read-only server'), 'FORBIDDEN'],
    [new ProviderError('Unleash answered 500', 500), 'PROVIDER_ERROR'],
    [new FlagNotFoundError('no flag "f"'), 'NOT_FOUND'],
    [new ConflictError('"f" changed since it was read'), 'CONFLICT'],
    [new UnsupportedChangeError('no rollout strategy'), 'UNSUPPORTED'],
    [new ConfigError('config.json: providers[0].url: invalid URL'), 'BAD_INPUT'],
    [new NewerSchemaError('rcr.db', 99), 'BAD_INPUT'],
    [new PredictionFormatError('p.csv', 3, 'confidence is not a number'), 'BAD_INPUT'],
  ])('%s → %s', (error, code) => {
    expect(toApiError(error)).toEqual({ code, message: error.message });
  });

  it('keeps the subclass code of a provider error (a deadline is a provider error)', () => {
    const deadline = new DeadlineExceededError(
      { ms: 20_000, label: 'this command', at: 0, signal: AbortSignal.abort() },
      'http://u/x',
      true,
    );
    expect(toApiError(deadline).code).toBe('PROVIDER_ERROR');
  });

  it('turns zod issues into BAD_INPUT with the path in words', () => {
    const parsed = z.object({ percent: z.number() }).safeParse({ percent: 'x' });
    expect(parsed.success).toBe(false);
    expect(toApiError(parsed.error)).toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/percent/),
    });
  });

  it('maps anything else — including an unknown apiCode — to INTERNAL without a stack', () => {
    const odd = Object.assign(new Error('boom'), { apiCode: 'NOT_A_CODE' });
    expect(toApiError(odd)).toEqual({ code: 'INTERNAL', message: 'boom' });
    expect(toApiError('text')).toEqual({ code: 'INTERNAL', message: 'text' });
  });
});
