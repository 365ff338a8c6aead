/** Renderer entry: install the transport, start routing and live updates, render. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { RcrApi } from '../shared/contract.ts';
import { createApi } from './api/index.ts';
import { setApi, setUploader, type Uploader } from './api/current.ts';
import { App, type TransportLabel } from './app/App.tsx';
import { startLiveUpdates } from './app/live.ts';
import { startRouter } from './app/router.ts';
import { applySessionInfo } from './app/session.ts';
import { startShellCommands } from './app/shell-commands.ts';
import { loadFleet } from './features/fleet/fleet-store.ts';
import { useUiStore } from './features/navigation/navigation-store.ts';
import './styles.css';

async function chooseApi(): Promise<{
  api: RcrApi;
  transport: TransportLabel;
  uploader?: Uploader | null;
}> {
  // Development-only, explicit opt-in (`?mock`); compiled out of production builds.
  if (import.meta.env.DEV && new URLSearchParams(window.location.search).has('mock')) {
    const { mockApi } = await import('./dev-mock.ts');
    return { api: mockApi(), transport: 'mock' };
  }
  const real = createApi();
  if (import.meta.env.DEV) {
    const { withOutputValidation } = await import('./api/validate.ts');
    return { api: withOutputValidation(real.api), transport: real.transport, uploader: real.uploader };
  }
  return real;
}

async function boot(): Promise<void> {
  document.documentElement.dataset.theme = useUiStore.getState().theme;
  const { api, transport, uploader } = await chooseApi();
  setApi(api);
  setUploader(uploader ?? null);
  startShellCommands();
  void applySessionInfo();
  startRouter();
  startLiveUpdates();
  void loadFleet();
  const root = document.getElementById('root');
  if (!root) throw new Error('rcr: #root is missing from index.html');
  createRoot(root).render(
    <StrictMode>
      <App transport={transport} />
    </StrictMode>,
  );
}

void boot();
