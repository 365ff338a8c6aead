/**
 * Times in sentences the core writes (gate evidence, decision rationales, previews): a compact,
 * unambiguous UTC form — `2026-12-10 21:18 UTC` — instead of a raw ISO string. Screens format the
 * structured ISO fields in the viewer's locale. No `electron`, `node:` or DOM imports.
 */

/** `2026-12-10 21:18 UTC` for an ISO time (or ms since epoch); the input unchanged when unparseable. */
export function utcWords(time: string | number): string {
  const ms = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(ms)) return String(time);
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
