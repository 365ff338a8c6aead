/**
 * The app's Content-Security-Policy, defined once: the renderer page's `<meta>` (injected at
 * build by `renderer/vite.config.ts`) and the headers of `rcr serve` (`electron/server/
 * security-headers.ts`) both build it here. Directives: CSP Level 3,
 * https://www.w3.org/TR/CSP3/.
 */

/** Directives every page of the app gets, in this order; `connect-src` is added per place. */
const BASE_DIRECTIVES: readonly string[] = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
];

/** Directives that close the policy (after `connect-src`). */
const CLOSING_DIRECTIVES: readonly string[] = ["base-uri 'none'", "form-action 'none'"];

/**
 * The policy with `connect-src 'self'` plus `connectSources` (e.g. `ws://127.0.0.1:5173`), and
 * `frame-ancestors 'none'` when `frameAncestorsNone` (only a header can carry it: a `<meta>`
 * policy ignores that directive).
 * @returns directives joined by `"; "`.
 */
export function contentSecurityPolicy(
  connectSources: readonly string[],
  frameAncestorsNone: boolean,
): string {
  return [
    ...BASE_DIRECTIVES,
    ["connect-src 'self'", ...connectSources].join(' '),
    ...CLOSING_DIRECTIVES,
    ...(frameAncestorsNone ? ["frame-ancestors 'none'"] : []),
  ].join('; ');
}

/**
 * The renderer page's own policy (its `<meta http-equiv="Content-Security-Policy">`): the page may
 * open WebSockets to a local `rcr serve` on any port.
 */
export const RENDERER_CSP = contentSecurityPolicy(['ws://127.0.0.1:*', 'ws://localhost:*'], false);

/** The placeholder in `renderer/index.html` that the build replaces with the `<meta>` policy. */
export const CSP_PLACEHOLDER = '<!-- rcr:content-security-policy -->';

/**
 * `html` with {@link CSP_PLACEHOLDER} replaced by `<meta http-equiv="Content-Security-Policy"
 * content="policy">`.
 * @throws Error when `html` has no placeholder (a page without a policy must not be built).
 */
export function injectCspMeta(html: string, policy: string = RENDERER_CSP): string {
  if (!html.includes(CSP_PLACEHOLDER))
    throw new Error(`index.html has no ${CSP_PLACEHOLDER}: refusing to build a page without a CSP`);
  return html.replace(CSP_PLACEHOLDER, `<meta http-equiv="Content-Security-Policy" content="${policy}" />`);
}
