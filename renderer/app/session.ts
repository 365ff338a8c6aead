/**
 * What this session may do, from the `session.info` channel: on a read-only
 * screen (`rcr serve --read-only`, a wall display) every element marked
 * `data-write` (action buttons) is hidden through
 * `<html data-read-only="true">` and a rule in styles/layout.css, and the header says
 * "read-only". The server refuses those channels anyway; hiding only keeps the
 * screen honest.
 */
import { api } from '../api/current.ts';

/**
 * Asks the core for the session info and marks the document. A failure
 * (older server) leaves the document writable: the server still enforces.
 *
 * @returns whether the session is read-only.
 */
export async function applySessionInfo(root: HTMLElement = document.documentElement): Promise<boolean> {
  const result = await api().invoke('session.info', {});
  const readOnly = result.ok && result.value.readOnly;
  if (readOnly) root.dataset.readOnly = 'true';
  else delete root.dataset.readOnly;
  return readOnly;
}
