import { beforeEach, describe, expect, it } from 'vitest';
import type { RcrApi } from '../../../shared/contract.ts';
import { setApi } from '../../api/current.ts';
import { createMockApi } from '../../../test/fakes/fake-api.ts';
import { closeTokenDialog, openTokenDialog, saveToken, useTokenStore } from './token-store.ts';

/** A desktop-like API: tokens can be stored; records what was sent. */
function desktopApi(sent: unknown[]): RcrApi {
  const mock = createMockApi();
  const invoke = (async (channel: string, input: unknown) => {
    if (channel === 'session.info')
      return { ok: true, value: { readOnly: false, tokenStore: 'test keychain' } };
    if (channel === 'providers.setToken') {
      sent.push(input);
      const { provider, token } = input as { provider: string; token: string | null };
      return { ok: true, value: { provider, tokenSet: token !== null } };
    }
    return mock.invoke(channel as never, input as never);
  }) as RcrApi['invoke'];
  return { ...mock, invoke };
}

beforeEach(() => closeTokenDialog());

describe('token store', () => {
  it('in the desktop app: stores and removes a token, and keeps no copy of it', async () => {
    const sent: unknown[] = [];
    setApi(desktopApi(sent));
    await openTokenDialog('prod-ld');
    expect(useTokenStore.getState()).toMatchObject({
      provider: 'prod-ld',
      tokenStore: 'test keychain',
      loading: false,
    });
    await saveToken('api-0123-secret');
    expect(useTokenStore.getState().tokenSet).toBe(true);
    expect(JSON.stringify(useTokenStore.getState())).not.toContain('api-0123-secret');
    await saveToken(null);
    expect(useTokenStore.getState().tokenSet).toBe(false);
    expect(sent).toEqual([
      { provider: 'prod-ld', token: 'api-0123-secret' },
      { provider: 'prod-ld', token: null },
    ]);
  });

  it('outside the desktop app: says tokens cannot be stored and shows the core error on a save', async () => {
    setApi(createMockApi());
    await openTokenDialog('prod-ld');
    expect(useTokenStore.getState().tokenStore).toBeNull();
    await saveToken('x');
    expect(useTokenStore.getState()).toMatchObject({
      tokenSet: null,
      error: 'the mock API cannot store tokens',
    });
  });
});
