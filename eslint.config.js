// ESLint: correctness rules plus the import boundaries that encode the layering (README "Layout"):
//   renderer → the shared protocol module (common/protocol) only; gateway ↛ main; nothing but main/electron-main
//   imports electron; outside gateway/, only gateway/src/index.ts (the gateway's public entry). Tests may import anything.
// Formatting is Prettier's job (npm run format); nothing here argues about style.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const TESTS = ['**/*.test.ts', 'test/**', 'renderer/src/**/*.test.ts'];

/** `no-restricted-imports` patterns, one per forbidden target, each with the reason a reviewer would give. */
const noElectron = { group: ['electron'], message: 'Only main/electron-main imports electron (the shell).' };
const noGatewayInternals = {
  group: ['**/gateway/src/**', '!**/gateway/src/index.js'],
  message: 'Import the gateway through its public entry gateway/src/index.js.',
};

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'release/**',
      'coverage/**',
      'out/**',
      'bench/results/**',
      '**/*.d.mts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          caughtErrors: 'none',
          ignoreRestSiblings: true,
        },
      ],
      // ANSI escapes and XML-forbidden control characters are matched on purpose (progress.ts, report-junit.ts).
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.ts', '**/*.cts', '**/*.mts'],
    // TypeScript resolves names itself; no-undef only misreads type-only globals.
    rules: { 'no-undef': 'off' },
  },
  {
    files: ['renderer/src/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/main/**', '**/gateway/**', '**/bench/**', '**/test/**', 'node:*'],
              message: 'The renderer imports only the shared protocol module (common/protocol) and its own files.',
            },
            noElectron,
          ],
        },
      ],
    },
  },
  {
    files: ['common/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/main/**', '**/gateway/**', '**/renderer/**', 'node:*'],
              message:
                'The protocol module stands alone: zod and itself only (the renderer, preload and serve load it).',
            },
            noElectron,
          ],
        },
      ],
    },
  },
  {
    files: ['gateway/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/main/**', '**/renderer/**', '**/bench/**', '**/test/**'],
              message: 'The gateway stands alone.',
            },
            noElectron,
          ],
        },
      ],
    },
  },
  {
    files: ['main/**', 'bench/**', 'bin/**', 'scripts/**'],
    ignores: ['main/electron-main/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noElectron,
            noGatewayInternals,
            { group: ['**/renderer/**'], message: 'main/ talks to the renderer only through the bridge.' },
          ],
        },
      ],
    },
  },
  {
    files: ['bench/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noElectron,
            noGatewayInternals,
            { group: ['**/test/**'], message: 'The bench does not import test code (its upstream lives in bench/).' },
          ],
        },
      ],
    },
  },
  {
    files: ['main/electron-main/**'],
    ignores: TESTS,
    rules: { 'no-restricted-imports': ['error', { patterns: [noGatewayInternals] }] },
  },
  {
    files: TESTS,
    rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
