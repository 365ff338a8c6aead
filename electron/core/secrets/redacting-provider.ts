/**
 * A provider wrapper that scrubs tokens from everything the provider hands
 * back to the core.
 *
 * A provider's error message or answer may echo its token (a proxy or a buggy
 * server that repeats the `Authorization` header in a 401 body, say). The core
 * stores error messages (provider status, audit log), returns them over the
 * contract and logs them, so they are redacted once, here, at the provider
 * boundary: thrown errors get `message` and `stack` redacted (class and
 * `status` kept), and returned values are redacted when they contain a token.
 */
import type { FlagProvider } from '../providers/provider.ts';
import type { TokenSource } from './token-source.ts';

/** Redacts every string inside a JSON-like value; returns `value` itself when nothing leaks. */
export function redactValue<T>(value: T, tokens: Pick<TokenSource, 'redact' | 'leaks'>): T {
  if (value === undefined || value === null) return value;
  if (typeof value === 'string') return tokens.redact(value) as T;
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    return value;
  }
  if (json === undefined || !tokens.leaks(json)) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return tokens.redact(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [tokens.redact(k), walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}

/** Redacts an error's message and stack in place (so `instanceof` and extra fields survive) and returns it. */
export function redactError(error: unknown, tokens: Pick<TokenSource, 'redact' | 'leaks'>): unknown {
  if (error instanceof Error) {
    if (tokens.leaks(error.message)) error.message = tokens.redact(error.message);
    if (error.stack && tokens.leaks(error.stack)) error.stack = tokens.redact(error.stack);
    const cause = (error as { cause?: unknown }).cause;
    if (cause !== undefined) redactError(cause, tokens);
    return error;
  }
  if (typeof error === 'string') return tokens.redact(error);
  return error;
}

/**
 * Wraps a provider so no token leaves it (see the module comment). Every
 * method is wrapped, including ones added to {@link FlagProvider} later:
 * a Proxy redacts what each call returns or throws, sync or async.
 */
export function withTokenRedaction(
  provider: FlagProvider,
  tokens: Pick<TokenSource, 'redact' | 'leaks'>,
): FlagProvider {
  return new Proxy(provider, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value === 'string') return tokens.redact(value);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        let out: unknown;
        try {
          out = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          throw redactError(error, tokens);
        }
        if (out instanceof Promise) {
          return out.then(
            (v: unknown) => redactValue(v, tokens),
            (error: unknown) => {
              throw redactError(error, tokens);
            },
          );
        }
        return redactValue(out, tokens);
      };
    },
  });
}
