import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships ESM (`module`) and CommonJS (`main`) builds. Node, and with it every
    // dependency Vitest leaves external (Apollo, type-graphql), loads the CommonJS one; Vite would
    // give our own modules the ESM one, and graphql refuses schemas from a second copy.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    // Two cores: PGlite, onnxruntime and sharp are CPU-bound, so more workers only contend.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    setupFiles: ['test/support/setup.ts'],
  },
});
