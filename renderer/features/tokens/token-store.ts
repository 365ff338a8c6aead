/**
 * State of the "provider token" dialog: which provider it is open for, where this
 * session can keep tokens (`session.info` → `tokenStore`, `null` outside the
 * desktop app), and the result of `providers.setToken`. The token itself is
 * never kept here: it goes from the input straight into the call.
 */
import { create } from 'zustand';
import { api } from '../../api/current.ts';

/** State of the token dialog (`provider` null while closed); never holds the token itself. */
export interface TokenState {
  provider: string | null;
  /** What protects stored tokens (e.g. "macOS Keychain"); null when this mode cannot store them. */
  tokenStore: string | null;
  loading: boolean;
  saving: boolean;
  /** After a save: whether the provider now has a token. */
  tokenSet: boolean | null;
  error: string | null;
}

const initial: TokenState = {
  provider: null,
  tokenStore: null,
  loading: false,
  saving: false,
  tokenSet: null,
  error: null,
};

/** The token dialog's store. */
export const useTokenStore = create<TokenState>(() => initial);

/** Opens the dialog for `provider` and asks the core where tokens can be kept. */
export async function openTokenDialog(provider: string): Promise<void> {
  useTokenStore.setState({ ...initial, provider, loading: true });
  const result = await api().invoke('session.info', {});
  if (useTokenStore.getState().provider !== provider) return;
  useTokenStore.setState(
    result.ok
      ? { loading: false, tokenStore: result.value.tokenStore }
      : { loading: false, error: result.error.message },
  );
}

/** Closes the dialog; an answer still pending is dropped. */
export function closeTokenDialog(): void {
  useTokenStore.setState(initial);
}

/** Stores (or, with `null`, removes) the token of the open provider. */
export async function saveToken(token: string | null): Promise<void> {
  const provider = useTokenStore.getState().provider;
  if (!provider) return;
  useTokenStore.setState({ saving: true, error: null, tokenSet: null });
  const result = await api().invoke('providers.setToken', { provider, token });
  if (useTokenStore.getState().provider !== provider) return;
  useTokenStore.setState(
    result.ok
      ? { saving: false, tokenSet: result.value.tokenSet }
      : { saving: false, error: result.error.message },
  );
}
