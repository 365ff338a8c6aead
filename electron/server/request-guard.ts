/**
 * Checks that a browser-mode request is ours: the session token (header,
 * cookie or query), the Host header (DNS-rebinding defence) and, when present,
 * the Origin header; plus the rule for which interfaces may be exposed.
 */
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import os from 'node:os';

/** Name of the cookie set when the page is opened with a valid `?token=`. */
export const TOKEN_COOKIE = 'rcr_token';
/** Header the renderer sends on API calls (a custom header forces a CORS preflight cross-origin). */
export const TOKEN_HEADER = 'x-rcr-token';

/** Interfaces that only this machine can reach. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
/** Bind addresses that listen on every interface. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/** A fresh random session token (32 bytes, base64url). */
export function newSessionToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** Constant-time string comparison. */
export function tokenEquals(a: string | undefined | null, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** True when `host` is a loopback name or address (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  if (LOOPBACK_HOSTS.has(host)) return true;
  return net.isIPv4(host) && host.startsWith('127.');
}

/** True when `host` binds every interface (`0.0.0.0`, `::`). */
export function isWildcardHost(host: string): boolean {
  return WILDCARD_HOSTS.has(host);
}

/**
 * Why binding `host` is not allowed, or `null` when it is: a host other than
 * loopback needs TLS (`tls`) or an explicit `insecure` opt-in, because the
 * session token would otherwise cross the network in clear text.
 */
export function exposureProblem(host: string, tls: boolean, insecure: boolean): string | null {
  if (isLoopbackHost(host) || tls || insecure) return null;
  return (
    `binding ${host} exposes the control room to the network; pass --tls-cert FILE --tls-key FILE ` +
    '(HTTPS + WSS), or --insecure to accept that the session token and every flag change travel in clear text'
  );
}

/** `host:port` as it appears in a Host header (IPv6 in brackets). */
function hostPort(host: string, port: number): string {
  const h = net.isIPv6(host) ? `[${host}]` : host;
  return `${h}:${port}`;
}

/**
 * Host header values a request may carry, all with our port (and without it
 * for the scheme's default port):
 * - loopback names (`127.0.0.1`, `localhost`, `[::1]`);
 * - the bound address itself, or, when bound to a wildcard, every interface
 *   address of this machine;
 * - this machine's host name and any `extraNames` (e.g. its DNS name).
 * An attacker's DNS name (DNS rebinding) is never in the set.
 */
export function allowedHosts(
  port: number,
  bindHost = '127.0.0.1',
  extraNames: readonly string[] = [],
  defaultPort?: number,
): Set<string> {
  const names = new Set<string>(['127.0.0.1', 'localhost', '::1']);
  if (!isLoopbackHost(bindHost)) {
    if (isWildcardHost(bindHost)) {
      for (const list of Object.values(os.networkInterfaces())) {
        for (const a of list ?? []) names.add(a.address.replace(/%.*$/, ''));
      }
    } else names.add(bindHost.replace(/^\[|\]$/g, ''));
    names.add(os.hostname().toLowerCase());
  }
  for (const n of extraNames) names.add(n.toLowerCase());
  const out = new Set<string>();
  for (const n of names) {
    out.add(hostPort(n, port));
    if (port === defaultPort) out.add(net.isIPv6(n) ? `[${n}]` : n);
  }
  return out;
}

/** Reads a cookie value from the request. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/**
 * Why a request is refused, or `null` when Host and Origin are acceptable.
 *
 * - Host must be one of `hosts` (case-insensitive).
 * - Origin, when sent, must be `<scheme>://<one of hosts>`; `Origin: null`
 *   (sandboxed frames, some redirects) is refused.
 */
export function checkHostAndOrigin(
  req: IncomingMessage,
  hosts: ReadonlySet<string>,
  scheme: 'http' | 'https' = 'http',
): string | null {
  const host = req.headers.host?.toLowerCase();
  if (!host || !hosts.has(host)) return `host "${req.headers.host ?? ''}" not allowed`;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = null;
    }
    if (!parsed || parsed.protocol !== `${scheme}:` || !hosts.has(parsed.host.toLowerCase()))
      return `origin "${origin}" not allowed`;
  }
  return null;
}

/**
 * True when a `Content-Type` header is `application/json` (media type case-insensitive), alone or
 * with a UTF-8 charset (`; charset=utf-8`, any case, quoted or not) — and nothing else: not
 * `application/jsonp`, `application/json-patch+json`, another charset or another parameter. API
 * calls must send it: an HTML form can send none of these, so a cross-site form post is refused.
 */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const [type, ...params] = header.split(';');
  if ((type ?? '').trim().toLowerCase() !== 'application/json') return false;
  const rest = params.map((p) => p.trim()).filter((p) => p !== '');
  return rest.length === 0 || (rest.length === 1 && /^charset\s*=\s*(?:utf-8|"utf-8")$/i.test(rest[0] ?? ''));
}
