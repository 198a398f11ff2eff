import { defineConfig } from 'vitest/config';

// Browser tests: Chromium (Debian's) against the built UI and a Rampart on a fresh test database.
// Run after `node scripts/build.mjs`: npx vitest run --config e2e/vitest.config.ts
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['e2e/**/*.e2e.ts'],
    globalSetup: ['src/server/test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './src/server/test/summary-reporter.ts'],
  },
});
