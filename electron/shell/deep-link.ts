/**
 * `rcr://` deep links, e.g. from a Slack alert: `rcr://flag/{provider}/{env}/{key}`
 * opens that flag.
 *
 * Parsing is strict because the URL comes from outside (any web page or chat
 * message can link it): only the `rcr:` scheme and the `flag` host, exactly
 * three non-empty percent-encoded segments, no credentials, port, query or
 * fragment, no control characters, bounded lengths. Anything else is `null`
 * and the link is ignored. Pure: no Electron imports (unit-tested).
 */
import type { FlagRef } from '../../shared/domain.ts';

/** The URL scheme registered for the app (electron-builder `protocols`). */
export const DEEP_LINK_PROTOCOL = 'rcr';

const MAX_URL_LENGTH = 2048;
const MAX_SEGMENT_LENGTH = 256;

/** Percent-decodes one segment; `null` when malformed, empty, too long, or holding control characters or `/`. */
function segment(raw: string): string | null {
  let text: string;
  try {
    text = decodeURIComponent(raw);
  } catch {
    return null;
  }
  if (text.length === 0 || text.length > MAX_SEGMENT_LENGTH) return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f/\\]/.test(text)) return null;
  if (text !== text.trim() || text === '.' || text === '..') return null;
  return text;
}

/**
 * Parses `rcr://flag/{provider}/{environment}/{key}` (segments percent-encoded).
 * A trailing `/` is accepted.
 *
 * @returns the flag ref, or `null` for anything else (never throws).
 */
export function parseDeepLink(url: unknown): FlagRef | null {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_URL_LENGTH) return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(url)) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${DEEP_LINK_PROTOCOL}:`) return null;
  if (parsed.username || parsed.password || parsed.port || parsed.search || parsed.hash) return null;
  if (url.includes('?') || url.includes('#')) return null;
  if (parsed.hostname !== 'flag') return null;
  const prefix = `${DEEP_LINK_PROTOCOL}://flag/`;
  if (!url.toLowerCase().startsWith(prefix)) return null;
  // Take the segments from the raw text: URL normalization would resolve `..` and `%2e`.
  const parts = url.slice(prefix.length).replace(/\/$/, '').split('/');
  if (parts.length !== 3) return null;
  const [provider, environment, key] = parts.map(segment);
  if (!provider || !environment || !key) return null;
  return { provider, environment, key };
}

/**
 * The first `rcr:` argument of a command line (Windows and Linux pass the link
 * as an argument to the second instance), parsed; `null` when there is none or
 * it is invalid.
 */
export function deepLinkFromArgv(argv: readonly string[]): FlagRef | null {
  const arg = argv.find((a) => a.toLowerCase().startsWith(`${DEEP_LINK_PROTOCOL}:`));
  return arg === undefined ? null : parseDeepLink(arg);
}

/** Builds the deep link of a flag (for "copy link" and tests). */
export function flagDeepLink(ref: FlagRef): string {
  const parts = [ref.provider, ref.environment, ref.key].map(encodeURIComponent);
  return `${DEEP_LINK_PROTOCOL}://flag/${parts.join('/')}`;
}
