/**
 * The overall deadline of a command's provider calls (issue 15, item 10: `rcr flags list` took 19 s
 * and `rcr rollback` 30.9 s against a slow provider): per-request timeouts bound one request, the
 * deadline bounds them all — a request in flight is cut when it passes, later ones fail at once,
 * and the error names the deadline.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadlineExceededError, fetchText, withDeadline } from './provider-http.ts';
import { ProviderError } from './provider.ts';

let server: http.Server;
let url: string;
let delayMs = 0;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    setTimeout(() => res.end('{"ok":true}'), delayMs).unref();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/flags`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const get = () => fetchText(url, { method: 'GET', headers: {}, timeoutMs: 5000 });

describe('provider call deadline', () => {
  it('cuts a request in flight when the deadline passes, naming the deadline', async () => {
    delayMs = 2000;
    const t = performance.now();
    const error = await withDeadline({ ms: 300, label: 'rcr flags list' }, get).catch((e: unknown) => e);
    const ms = performance.now() - t;
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBeNull();
    expect((error as ProviderError).notSent).toBe(false); // cut mid-call: it may have been applied
    expect((error as Error).message).toMatch(
      /^stopped waiting for http:\/\/127\.0\.0\.1:\d+\/v1\/flags: the 0\.3 s deadline for the provider calls of rcr flags list passed$/,
    );
    expect(ms).toBeGreaterThanOrEqual(280);
    expect(ms).toBeLessThan(1000);
  });

  it('fails later calls at once; each call alone stays within its own timeout', async () => {
    delayMs = 150;
    const t = performance.now();
    const outcomes = await withDeadline({ ms: 400, label: 'rcr rollback' }, async () => {
      const seen: string[] = [];
      for (let i = 0; i < 6; i++) {
        try {
          seen.push((await get()).kind);
        } catch (e) {
          seen.push(e instanceof DeadlineExceededError ? 'deadline' : String(e));
        }
      }
      return seen;
    });
    const ms = performance.now() - t;
    expect(outcomes.slice(0, 2)).toEqual(['response', 'response']);
    // A call refused because the deadline had passed was never sent.
    const late = await withDeadline({ ms: 1, label: 'rcr rollback' }, async () => {
      await new Promise((r) => setTimeout(r, 20));
      return get().catch((e: unknown) => e);
    });
    expect(late).toBeInstanceOf(DeadlineExceededError);
    expect((late as ProviderError).notSent).toBe(true);
    expect(outcomes.at(-1)).toBe('deadline');
    expect(outcomes.filter((o) => o === 'response').length).toBeLessThanOrEqual(3);
    expect(ms).toBeLessThan(800);
  });

  it('an inner deadline cannot extend the outer one; without a deadline nothing changes', async () => {
    delayMs = 600;
    const error = await withDeadline({ ms: 200, label: 'outer' }, () =>
      withDeadline({ ms: 10_000, label: 'inner' }, get),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).message).toMatch(/outer/);
    expect((await get()).kind).toBe('response');
  });
});
