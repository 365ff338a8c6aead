/**
 * Checks that a browser-mode request is ours: the session token (header,
 * cookie or query), the Host header (DNS-rebinding defence) and, when present,
 * the Origin header.
 */
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Name of the cookie set when the page is opened with a valid `?token=`. */
export const TOKEN_COOKIE = 'rcr_token';
/** Header the renderer sends on API calls (a custom header forces a CORS preflight cross-origin). */
export const TOKEN_HEADER = 'x-rcr-token';

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

/** Hosts a request may name: loopback names with our port. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

/** Reads a cookie value from the request. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** Why a request is refused, or `null` when Host and Origin are acceptable. */
export function checkHostAndOrigin(req: IncomingMessage, port: number): string | null {
  const hosts = allowedHosts(port);
  if (!req.headers.host || !hosts.has(req.headers.host))
    return `host "${req.headers.host ?? ''}" not allowed`;
  const origin = req.headers.origin;
  if (origin !== undefined && !hosts.has(origin.replace(/^http:\/\//, '')))
    return `origin "${origin}" not allowed`;
  return null;
}
