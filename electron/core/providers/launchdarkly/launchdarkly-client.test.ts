import { describe, expect, it } from 'vitest';
import { parseLdError, rateLimitWait } from './launchdarkly-client.ts';

const NOW = Date.UTC(2026, 10, 21, 12);
const noJitter = () => 0;

describe('rateLimitWait', () => {
  it('Retry-After in seconds', () => {
    expect(rateLimitWait({ retryAfter: '2', reset: null }, 1, NOW, noJitter)).toEqual({
      waitMs: 2000,
      reason: 'Retry-After: 2 s',
    });
  });

  it('X-Ratelimit-Reset in epoch ms; a past reset waits only the jitter', () => {
    expect(rateLimitWait({ retryAfter: null, reset: String(NOW + 1500) }, 1, NOW, noJitter).waitMs).toBe(
      1500,
    );
    expect(rateLimitWait({ retryAfter: null, reset: String(NOW - 5000) }, 1, NOW, noJitter).waitMs).toBe(0);
  });

  it('both: the longer wait wins; an HTTP-date Retry-After works', () => {
    const w = rateLimitWait({ retryAfter: '1', reset: String(NOW + 3000) }, 1, NOW, noJitter);
    expect(w.waitMs).toBe(3000);
    expect(w.reason).toMatch(/^X-Ratelimit-Reset/);
    const date = new Date(NOW + 4000).toUTCString();
    expect(rateLimitWait({ retryAfter: date, reset: null }, 1, NOW, noJitter).waitMs).toBe(4000);
  });

  it('no header: exponential backoff from 1 s, capped at 30 s', () => {
    expect(rateLimitWait({ retryAfter: null, reset: null }, 1, NOW, noJitter).waitMs).toBe(1000);
    expect(rateLimitWait({ retryAfter: null, reset: null }, 3, NOW, noJitter).waitMs).toBe(4000);
    expect(rateLimitWait({ retryAfter: null, reset: null }, 10, NOW, noJitter).waitMs).toBe(30_000);
  });

  it('jitter adds up to max(100 ms, 20 %)', () => {
    expect(rateLimitWait({ retryAfter: '10', reset: null }, 1, NOW, () => 0.999).waitMs).toBe(10_000 + 1998);
    expect(rateLimitWait({ retryAfter: '0', reset: null }, 1, NOW, () => 0.5).waitMs).toBe(50);
  });
});

describe('parseLdError', () => {
  it('reads {code, message}; falls back to the raw text', () => {
    expect(parseLdError('{"code":"invalid_request","message":"bad","id":"x"}')).toEqual({
      code: 'invalid_request',
      message: 'bad',
    });
    expect(parseLdError('<html>oops</html>')).toEqual({ code: null, message: '<html>oops</html>' });
    expect(parseLdError('')).toEqual({ code: null, message: '(empty response)' });
  });
});
