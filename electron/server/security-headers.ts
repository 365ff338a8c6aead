/** The Content-Security-Policy and other headers every browser-mode response carries. */
import { contentSecurityPolicy as appPolicy } from '../../shared/csp.ts';

/** Where the page may open its event socket: `ws(s)://` for each allowed `host:port`. */
export interface CspOptions {
  /** Allowed `host:port` values (see `allowedHosts`). */
  hosts: Iterable<string>;
  tls: boolean;
}

/**
 * The app's policy (`shared/csp.ts`) with `connect-src` narrowed to this
 * server: `'self'` plus its WebSocket URLs, and `frame-ancestors 'none'`.
 * IPv6 literals (`[::1]:port`) are left out: CSP's host-source grammar has no
 * IPv6 form (https://www.w3.org/TR/CSP3/#grammardef-host-source), so browsers
 * reject the entry with a console error on every load; a page opened at an
 * IPv6 address reaches its socket through `'self'` (CSP3 matches ws/wss to it).
 */
export function contentSecurityPolicy(options: CspOptions): string {
  const wsScheme = options.tls ? 'wss' : 'ws';
  const sockets = [...options.hosts].filter((h) => !h.startsWith('[')).map((h) => `${wsScheme}://${h}`);
  return appPolicy(sockets, true);
}

/** Headers for every response (HSTS too when served over TLS). */
export function securityHeaders(options: CspOptions): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(options),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    ...(options.tls ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
}
