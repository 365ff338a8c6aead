// ESLint flat config: typescript-eslint recommended, React hooks rules, and the
// rule that only the two IPC modules may touch raw Electron IPC.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const IPC_MODULES = ['electron/ipc-main.ts', 'electron/preload-ipc.ts'];

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
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'electron', 'better-sqlite3'],
              message: 'shared/ must stay free of Node, Electron and DOM.',
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
          message: 'Only electron/ipc-main.ts and electron/preload-ipc.ts may touch ipcMain/ipcRenderer.',
        },
        {
          selector: 'MemberExpression[property.name=/^ipc(Main|Renderer)$/]',
          message: 'Only electron/ipc-main.ts and electron/preload-ipc.ts may touch ipcMain/ipcRenderer.',
        },
      ],
    },
  },
);
