// ESLint flat config: typescript-eslint recommended, React hooks rules, the import boundaries
// between the tree's rooms, and the rule that only the two IPC modules may touch raw Electron IPC.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const IPC_MODULES = ['electron/shell/ipc-main.ts', 'electron/shell/preload-ipc.ts'];

const ONLY_SHELL_IMPORTS_ELECTRON = {
  name: 'electron',
  message: 'Only electron/shell/ may import electron: the core, server, CLI and renderer stay Electron-free.',
};

export default tseslint.config(
  { ignores: ['node_modules', '.tools', 'dist', 'out', 'release', 'test-results', 'playwright-report'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  // The rooms of the tree (docs/architecture.md). Later blocks override earlier ones for the same
  // file, so each block lists every restriction its files have. Proven by test/lint/boundaries.test.ts.
  {
    files: ['**/*.{ts,tsx,js}'],
    ignores: ['electron/shell/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [ONLY_SHELL_IMPORTS_ELECTRON] }] },
  },
  {
    files: ['electron/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [ONLY_SHELL_IMPORTS_ELECTRON],
          patterns: [
            {
              group: ['react', 'react/*', 'react-dom', 'react-dom/*'],
              message: 'electron/core/ has no UI: no React.',
            },
            {
              regex: '^(\\.\\./)+(shell|server|cli)(/|$)',
              message:
                'electron/core/ is imported by the shell, the server and the CLI, never the other way round.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: ['shared/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!zod$|\\./)',
              message:
                'shared/ is used by both sides: it imports only zod and its own files (no Node, Electron, DOM).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    // Node-side build config; tests and the development-only `?mock` entry use the fakes under test/.
    ignores: ['renderer/vite.config.ts', 'renderer/**/*.test.{ts,tsx}', 'renderer/dev-mock.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [ONLY_SHELL_IMPORTS_ELECTRON],
          patterns: [
            {
              group: ['node:*', 'better-sqlite3'],
              message: 'The renderer runs in a browser sandbox: no Node modules.',
            },
            {
              regex: '^(\\.\\./)+(electron|e2e|test|bench|scripts)(/|$)',
              message:
                'The renderer imports only shared/ and its own files; the core is reached through the API.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.{ts,tsx,js}'],
    ignores: IPC_MODULES,
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportSpecifier[imported.name=/^ipc(Main|Renderer)$/]',
          message:
            'Only electron/shell/ipc-main.ts and electron/shell/preload-ipc.ts may touch ipcMain/ipcRenderer.',
        },
        {
          selector: 'MemberExpression[property.name=/^ipc(Main|Renderer)$/]',
          message:
            'Only electron/shell/ipc-main.ts and electron/shell/preload-ipc.ts may touch ipcMain/ipcRenderer.',
        },
      ],
    },
  },
);
