import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/** The workspace packages resolve to their sources (no build needed for the system under test). */
const sourceCondition = '@tapkit/source';

// The browser end-to-end tests: the whole system in-process (startSystem) and the system Chromium
// (/usr/bin/chromium, Debian's package) driven by playwright-core. Run after `vite build apps/wallet-web`
// (`npm run test:e2e`), since the web server serves apps/wallet-web/dist.
export default defineConfig({
  resolve: { conditions: [sourceCondition, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [sourceCondition, ...defaultServerConditions] } },
  test: {
    include: ['tests/e2e/**/*.e2e.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
