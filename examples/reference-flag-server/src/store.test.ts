import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BadCursorError, FlagStore, IDEMPOTENCY_TTL_MS, canonicalJson, requestFingerprint } from './store.ts';

const seed = [
  { key: 'b', environment: 'production', layers: { enabled: true, rolloutPercent: 10 } },
  { key: 'a', environment: 'production', layers: { enabled: true, rolloutPercent: 20 } },
  { key: 'a', environment: 'staging' },
];

describe('FlagStore', () => {
  it('lists in (environment, key) order with cursors', () => {
    const store = new FlagStore({ seed });
    const p1 = store.list({ limit: 2 });
    expect(p1.flags.map((f) => `${f.environment}/${f.key}`)).toEqual(['production/a', 'production/b']);
    const p2 = store.list({ limit: 2, cursor: p1.nextCursor! });
    expect(p2).toMatchObject({ flags: [{ environment: 'staging', key: 'a' }], nextCursor: null });
    expect(() => store.list({ limit: 2, cursor: 'bm9wZQ' })).toThrow(BadCursorError);
  });

  it('a change bumps the version once and logs one event; a no-op logs nothing', () => {
    const store = new FlagStore({ seed, now: () => Date.parse('2026-01-01T00:00:00Z') });
    const r = store.change('production', 'a', {
      set: { rolloutPercent: 30 },
      expectedVersion: '1',
      reason: 'r',
      actor: 'x',
    });
    expect(r).toMatchObject({
      kind: 'applied',
      result: { flag: { version: '2' }, event: { cursor: '1', version: '2' } },
    });
    const noop = store.change('production', 'a', {
      set: { rolloutPercent: 30 },
      expectedVersion: null,
      reason: 'r',
      actor: 'x',
    });
    expect(noop).toMatchObject({ kind: 'applied', result: { flag: { version: '2' }, event: null } });
    expect(
      store.change('production', 'a', {
        set: { enabled: false },
        expectedVersion: '1',
        reason: 'r',
        actor: 'x',
      }),
    ).toEqual({
      kind: 'conflict',
      currentVersion: '2',
    });
    expect(
      store.change('production', 'zz', {
        set: { enabled: false },
        expectedVersion: null,
        reason: 'r',
        actor: 'x',
      }),
    ).toEqual({
      kind: 'not-found',
    });
    expect(store.history({ limit: 10 }).events).toHaveLength(1);
  });

  it('history pages after a cursor and filters by environment', () => {
    const store = new FlagStore({ seed });
    for (const p of [40, 50, 60])
      store.change('production', 'b', {
        set: { rolloutPercent: p },
        expectedVersion: null,
        reason: '',
        actor: 'x',
      });
    store.change('staging', 'a', { set: { enabled: true }, expectedVersion: null, reason: '', actor: 'x' });
    expect(store.history({ limit: 2 })).toMatchObject({ nextCursor: '2', hasMore: true });
    expect(store.history({ after: '2', limit: 10 }).events.map((e) => e.cursor)).toEqual(['3', '4']);
    expect(
      store.history({ after: '1', environment: 'staging', limit: 10 }).events.map((e) => e.cursor),
    ).toEqual(['4']);
    expect(store.history({ after: '9', limit: 10 })).toEqual({ events: [], nextCursor: '9', hasMore: false });
    expect(() => store.history({ after: '-1', limit: 10 })).toThrow(BadCursorError);
  });

  it('idempotency records expire after 24 h', () => {
    let now = 0;
    const store = new FlagStore({ seed, now: () => now });
    store.rememberIdempotent('k', { fingerprint: 'f', status: 200, body: {} });
    now = IDEMPOTENCY_TTL_MS;
    expect(store.idempotent('k')?.fingerprint).toBe('f');
    now = IDEMPOTENCY_TTL_MS + 1;
    expect(store.idempotent('k')).toBeUndefined();
  });

  it('fingerprints ignore key order but not values', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    const f = requestFingerprint('POST', '/x', { a: 1, b: 2 });
    expect(requestFingerprint('POST', '/x', { b: 2, a: 1 })).toBe(f);
    expect(requestFingerprint('POST', '/x', { a: 1, b: 3 })).not.toBe(f);
    expect(requestFingerprint('POST', '/y', { a: 1, b: 2 })).not.toBe(f);
  });

  it('state survives a restart when a state file is given (replays included)', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ref-flags-')), 'state.json');
    const first = new FlagStore({ seed, statePath: file });
    first.change('production', 'a', {
      set: { enabled: false },
      expectedVersion: null,
      reason: '',
      actor: 'x',
    });
    first.rememberIdempotent('k', { fingerprint: 'f', status: 200, body: { ok: 1 } });
    const second = new FlagStore({ seed: [], statePath: file });
    expect(second.get('production', 'a')).toMatchObject({ version: '2', layers: { enabled: false } });
    expect(second.idempotent('k')).toMatchObject({ body: { ok: 1 } });
    expect(second.history({ limit: 10 }).events).toHaveLength(1);
    fs.rmSync(path.dirname(file), { recursive: true });
  });
});
