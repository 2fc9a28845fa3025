// `npm run test:faults`: the fault suite under faults/ (load, a Postgres outage, kill -9 during
// writes, a property-based fuzzer, one test per failure of issue 11), against the service started as
// its own process. Not part of `npm test`: it takes minutes and measures the machine.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // As in vitest.config.ts: one copy of graphql for our modules and the libraries.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['faults/**/*.test.ts'],
    pool: 'forks',
    // One file at a time: the load figures are only worth recording on an otherwise quiet machine,
    // and the outage scenario stops the cluster every file shares.
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    globalSetup: ['faults/support/global-setup.ts'],
    setupFiles: ['test/support/setup.ts'],
  },
});
