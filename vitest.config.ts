import { defineConfig } from 'vitest/config';

// One runner for the whole monorepo: `npm test` runs every package's and app's tests,
// plus the end-to-end suites under test/. Integration tests start their own redis-server.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
