import { defineConfig } from 'vitest/config';

// One suite, two databases: RAMPART_TEST_DB=pglite (default) or postgres (see scripts/test.mjs).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    globalSetup: ['src/server/test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './src/server/test/summary-reporter.ts'],
  },
});
