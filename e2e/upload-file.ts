/**
 * Imports a file into a served app the way browser mode does: its bytes go to the upload endpoint
 * (`POST /api/upload/<channel>`), never its path — the server refuses paths from a browser.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ChannelInput, ChannelOutput, Result } from '../shared/contract.ts';
import type { ServedApp } from './serve-app.ts';

type UploadChannel = 'predictions.import' | 'metrics.importEvents';

/**
 * Uploads `file` for `channel` with the channel's other `fields`.
 * @returns the channel's value.
 * @throws Error `channel: CODE: message` when the import failed.
 */
export async function uploadImport<C extends UploadChannel>(
  app: ServedApp,
  channel: C,
  file: string,
  fields: Omit<ChannelInput<C>, 'path'>,
): Promise<ChannelOutput<C>> {
  const url = new URL(app.url);
  const target = new URL(`/api/upload/${channel}`, url.origin);
  target.searchParams.set('name', path.basename(file));
  target.searchParams.set('input', JSON.stringify(fields));
  const res = await fetch(target, {
    method: 'POST',
    headers: {
      'content-type': 'application/octet-stream',
      'x-rcr-token': url.searchParams.get('token') ?? '',
    },
    body: fs.readFileSync(file),
  });
  const r = (await res.json()) as Result<ChannelOutput<C>>;
  if (!r.ok) throw new Error(`${channel}: ${r.error.code}: ${r.error.message}`);
  return r.value;
}
