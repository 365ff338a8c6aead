/**
 * Sets or removes a provider's API token. In the desktop app the core keeps it
 * encrypted with the OS keychain (Electron safeStorage); elsewhere the dialog
 * explains that tokens come from environment variables or a 0600 file.
 */
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Dialog } from '../../components/Dialog.tsx';
import { closeTokenDialog, saveToken, useTokenStore } from './token-store.ts';

/** The provider-token dialog (see the module docs); renders nothing while closed. */
export function TokenDialog() {
  const s = useTokenStore(useShallow((st) => st));
  const [token, setToken] = useState('');
  if (!s.provider) return null;
  const canStore = s.tokenStore !== null;
  const submit = async (value: string | null): Promise<void> => {
    await saveToken(value);
    setToken('');
  };
  return (
    <Dialog labelledBy="token-dialog-title" onRequestClose={closeTokenDialog} className="token-dialog">
      <h2 id="token-dialog-title">Token for {s.provider}</h2>
      {s.loading ? <p>Checking where tokens can be kept…</p> : null}
      {!s.loading && !canStore ? (
        <p role="note">
          This session cannot store tokens. Set the environment variable named by the provider&apos;s{' '}
          <code>tokenEnv</code> in config.json, or put the token in a file readable only by you (mode 0600)
          and name it in <code>{'<tokenEnv>_FILE'}</code>; then restart.
        </p>
      ) : null}
      {!s.loading && canStore ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit(token);
          }}
        >
          <p>Stored encrypted with {s.tokenStore}. It is never shown again or sent to this window.</p>
          <label>
            Token
            <input
              type="password"
              autoComplete="off"
              value={token}
              data-autofocus
              onChange={(e) => setToken(e.target.value)}
            />
          </label>
          <div className="dialog-actions">
            <button type="submit" className="btn btn-primary" disabled={s.saving || token.trim() === ''}>
              Save token
            </button>
            <button type="button" className="btn" disabled={s.saving} onClick={() => void submit(null)}>
              Remove token
            </button>
          </div>
        </form>
      ) : null}
      {s.tokenSet !== null ? (
        <p role="status">
          {s.tokenSet ? 'Token saved: the provider uses it from the next call.' : 'No token set.'}
        </p>
      ) : null}
      {s.error ? (
        <p role="alert" className="alert alert-error">
          {s.error}
        </p>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={closeTokenDialog}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
