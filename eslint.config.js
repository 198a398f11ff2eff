// Lint: typescript-eslint's recommended rules, a few type-aware ones that catch real bugs
// (floating promises, non-exhaustive switches over unions like TLP), and the module boundaries
// from docs/ARCHITECTURE.md enforced as import restrictions.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'data/**', 'bench/.data/**', 'bench/results/**', 'src/lib/stix/schemas/**', 'src/lib/stix/fixtures/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.ts'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-control-regex': 'off',
    },
  },
  {
    files: ['src/server/core/**/*.ts'],
    ignores: ['src/server/core/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/modules/**'], message: 'core knows nothing of modules' }] }] },
  },
  {
    files: ['src/lib/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/server/**', '**/web/**', '**/cli/**'], message: 'src/lib is pure: server, web and cli import it, not the other way' }] }] },
  },
  {
    files: ['src/web/**/*.ts', 'src/web/**/*.tsx', 'src/cli/**/*.ts'],
    // src/cli/admin.ts: operator commands on the server's own database (serve, migrate, users, tokens, audit);
    // CLI tests start a server to run the binary against.
    ignores: ['src/cli/admin.ts', 'src/cli/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/server/**'], message: 'web and cli talk to the server over HTTP (src/contracts), never import it' }] }] },
  },
  {
    files: ['src/server/modules/*/!(*.repo).ts'],
    ignores: ['**/*.test.ts', 'src/server/modules/*/index.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../*/*.repo.ts', '../*/*.service.ts', '../*/*.routes.ts'], message: 'reach another module through its index.ts' }] }] },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked, languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } } },
);
