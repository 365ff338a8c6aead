/**
 * The import boundaries between the tree's rooms (eslint.config.js, docs/architecture.md) fire on
 * a deliberate violation and stay quiet on the allowed import, so the lint rules are a real check.
 * Each case lints a one-line source as if it stood at `file` (the file need not exist).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: root });

/** The `no-restricted-imports` messages ESLint gives `code` placed at `file` (repo-relative). */
async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('lint boundaries between shell, server, CLI, core, shared and renderer', () => {
  it.each([
    [
      'electron/core/flags/x.ts',
      "import { app } from 'electron';",
      /Only electron\/shell\/ may import electron/,
    ],
    ['electron/server/x.ts', "import { app } from 'electron';", /Only electron\/shell\/ may import electron/],
    ['electron/cli/x.ts', "import { app } from 'electron';", /Only electron\/shell\/ may import electron/],
    [
      'renderer/features/x.ts',
      "import { ipcRenderer } from 'electron';",
      /Only electron\/shell\/ may import electron/,
    ],
    ['electron/core/x.ts', "import { useState } from 'react';", /no React/],
    ['electron/core/x.ts', "import { createWindow } from '../shell/window.ts';", /never the other way round/],
    [
      'electron/core/rollout/x.ts',
      "import { startServer } from '../../server/http-server.ts';",
      /never the other way round/,
    ],
    ['electron/core/x.ts', "import { run } from '../cli/rcr.ts';", /never the other way round/],
    ['shared/x.ts', "import fs from 'node:fs';", /imports only zod/],
    ['shared/x.ts', "import { create } from 'zustand';", /imports only zod/],
    ['shared/x.ts', "import { openCore } from '../electron/core/app-core.ts';", /imports only zod/],
    ['renderer/features/x.ts', "import fs from 'node:fs';", /browser sandbox/],
    [
      'renderer/features/fleet/x.ts',
      "import { openCore } from '../../../electron/core/app-core.ts';",
      /only shared\//,
    ],
  ])('%s: %s is refused', async (file, code, message) => {
    const messages = await restricted(file, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(message);
  });

  it.each([
    ['electron/shell/x.ts', "import { app } from 'electron';"],
    ['electron/shell/x.ts', "import { openCore } from '../core/app-core.ts';"],
    ['electron/server/x.ts', "import { openCore } from '../core/app-core.ts';"],
    ['electron/core/rollout/x.ts', "import { openDatabase } from '../db/database.ts';"],
    ['shared/x.ts', "import { z } from 'zod';"],
    ['shared/x.ts', "import type { FlagRef } from './domain.ts';"],
    ['renderer/features/x.ts', "import type { FlagRef } from '../../shared/domain.ts';"],
    ['renderer/features/x.ts', "import { create } from 'zustand';"],
  ])('%s: %s is allowed', async (file, code) => {
    expect(await restricted(file, code)).toEqual([]);
  });
});
