import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// The workspace packages resolve to their TypeScript sources through the @tapkit/source export condition,
// so tests need no build (see scripts/register-source.mjs for plain Node and tsx).
const sourceCondition = '@tapkit/source';

// Two projects over the same test files. "unit" is what `npm test` runs: everything that needs no
// external service (storage tests run on SQLite there, and also on PostgreSQL when
// TAPKIT_TEST_POSTGRES_URL is set). "pg" re-runs only the storage-touching files (`*.db.test.ts`)
// with the PostgreSQL engine alone, for `npm run test:pg`.
export default defineConfig({
  resolve: { conditions: [sourceCondition, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [sourceCondition, ...defaultServerConditions] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'packages/*/tests/**/*.test.ts',
            'apps/*/src/**/*.test.ts',
            // wallet-web's component tests (a DOM per file: `// @vitest-environment happy-dom`).
            'apps/*/src/**/*.test.tsx',
            'tests/**/*.test.ts',
          ],
          exclude: ['**/node_modules/**', 'tests/e2e/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'pg',
          include: [
            'packages/*/src/**/*.db.test.ts',
            'packages/*/tests/**/*.db.test.ts',
            'tests/system/**/*.db.test.ts',
          ],
          env: { TAPKIT_TEST_ENGINES: 'postgres' },
        },
      },
    ],
    // Test children run tsx (scripts/register-source.mjs); without its compile cache they leave nothing in
    // the temp dir.
    env: { TSX_DISABLE_CACHE: '1' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
