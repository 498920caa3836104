import { defineConfig } from 'vitest/config';

// One redis-server for the whole run (test/helpers/global-setup.ts); each test file isolates itself
// with its own queue prefix. Files run one at a time: this is a 2-core machine and the integration
// tests start real processes.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
