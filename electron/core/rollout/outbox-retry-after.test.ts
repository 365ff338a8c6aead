import { describe, expect, it } from 'vitest';
import { CoreError } from '../errors.ts';
import { ProviderError } from '../providers/provider.ts';
import { isRetryable, retryAfterIn } from './outbox.ts';

describe('outbox: the provider’s Retry-After', () => {
  it('is found on a provider error and through the errors that wrap it', () => {
    const provider = new ProviderError('Unleash answered HTTP 429 to POST /x: slow down', 429, 3000);
    expect(retryAfterIn(provider)).toBe(3000);
    const wrapped = new CoreError('PROVIDER_ERROR', `${provider.message} (audit #7: failed)`, {
      cause: provider,
    });
    expect(retryAfterIn(wrapped)).toBe(3000);
    expect(isRetryable(wrapped)).toBe(true);
  });

  it('is null when the provider did not say', () => {
    expect(retryAfterIn(new ProviderError('HTTP 503', 503))).toBeNull();
    expect(retryAfterIn(new CoreError('PROVIDER_ERROR', 'timeout'))).toBeNull();
    expect(retryAfterIn('not an error')).toBeNull();
  });
});
