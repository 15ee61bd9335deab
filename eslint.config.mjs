// ESLint for every workspace and the root scripts. TypeScript files are linted with type information (each
// workspace's tsconfig.json, found by the project service) so that promise misuse is caught; Prettier owns layout,
// so eslint-config-prettier switches off the stylistic rules.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/coverage/**',
      '**/.turbo/**',
      '**/generated/**',
      'packages/cipher/build/**',
      '.data/**',
      '.test-results/**',
      '.artifacts/**',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.ts', 'packages/nest-kit/testing/*.d.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    // Tests read untyped JSON bodies and reach into mocks; type-safety rules on `any` there only add casts.
    files: ['**/*.spec.ts', '**/test/**/*.ts', '**/testing/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // Fakes implement asynchronous ports without awaiting anything.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The demo page's script runs in the browser, beside Shaka Player's global.
    files: ['apps/rights/demo/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser, shaka: 'readonly' } },
  },
  prettier,
);
