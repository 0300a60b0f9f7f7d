import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * The workspace packages export `dist/` to Node and their sources under this condition, so that
 * tests run the TypeScript as it is, with no build first.
 */
const sourceCondition = '@nightshift/source';

// One runner for the whole monorepo: `npm test` runs every package's and app's tests,
// plus the end-to-end suites under test/. Integration tests start their own redis-server.
/**
 * Vitest hands these to Node itself (`--conditions`) for the dependencies it does not transform.
 * Node has no `module` condition: with it, packages that publish an ESM build without file
 * extensions under `module` (@opentelemetry/*) resolve to files Node cannot load.
 */
const nodeConditions = defaultServerConditions.filter((condition) => condition !== 'module');

export default defineConfig({
  resolve: { conditions: [sourceCondition, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [sourceCondition, ...nodeConditions] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
