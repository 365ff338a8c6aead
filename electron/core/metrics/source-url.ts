/**
 * Strict parsing of data-source base URLs (Prometheus, and any later SQL source over HTTP).
 *
 * A base URL is what the allow-list in config.json holds and what an API path is appended to, so
 * anything that could change where a request really goes is refused: another scheme, credentials,
 * a fragment (`#` would swallow the appended `/api/v1/query_range`), a query, backslashes
 * (browsers and WHATWG URL parsers read them as `/`), whitespace and control characters. Pure.
 */

/** Longest base URL accepted. */
export const MAX_SOURCE_URL_LENGTH = 2048;

/** The outcome of {@link parseSourceUrl}: the canonical URL, or why it is refused (a fixed phrase). */
export type SourceUrlCheck = { ok: true; url: string } | { ok: false; reason: string };

/**
 * Parses a data-source base URL strictly.
 *
 * Accepts `http:` / `https:` URLs with a host and an optional port and path. Refuses (with a
 * fixed reason that never quotes the input): other schemes, user name or password, a `#`
 * fragment (even an empty one), a `?` query (even an empty one), `\`, whitespace or control
 * characters, no host, more than {@link MAX_SOURCE_URL_LENGTH} characters.
 *
 * @returns `{ok: true, url}` with the canonical form — scheme and host lower-case, default port
 *   dropped, dot segments resolved, no trailing `/` (e.g. `HTTP://Prom:80/x/` → `http://prom/x`);
 *   two URLs name the same source exactly when their canonical forms are equal.
 */
export function parseSourceUrl(raw: unknown): SourceUrlCheck {
  if (typeof raw !== 'string' || raw.length === 0) return { ok: false, reason: 'it is empty' };
  if (raw.length > MAX_SOURCE_URL_LENGTH)
    return { ok: false, reason: `it is longer than ${MAX_SOURCE_URL_LENGTH} characters` };
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f\\]/.test(raw))
    return { ok: false, reason: 'it contains whitespace, a control character or a backslash' };
  if (raw.includes('#')) return { ok: false, reason: 'it has a fragment ("#")' };
  if (raw.includes('?')) return { ok: false, reason: 'it has a query ("?")' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'it is not a URL like http://prometheus:9090' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { ok: false, reason: 'only http and https URLs are allowed' };
  // `http://@host` parses with an empty user name: refuse any "@" before the path too.
  const authority = raw.slice(raw.indexOf('//') + 2).split('/')[0] ?? '';
  if (url.username || url.password || authority.includes('@'))
    return { ok: false, reason: 'it carries credentials (user name or password)' };
  if (!url.hostname) return { ok: false, reason: 'it has no host' };
  const pathname = url.pathname.replace(/\/+$/, '');
  return { ok: true, url: `${url.protocol}//${url.host}${pathname}` };
}
