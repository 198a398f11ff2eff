import { defineConfig } from 'vitest/config';

// One suite, two databases: RAMPART_TEST_DB=pglite (default) or postgres (see scripts/test.mjs).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Pure libraries (src/lib) touch no database: run them once, in the PGlite pass.
    exclude: process.env.RAMPART_TEST_DB === 'postgres' ? ['src/lib/**', 'node_modules/**'] : ['node_modules/**'],
    globalSetup: ['src/server/test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './src/server/test/summary-reporter.ts'],
  },
});
