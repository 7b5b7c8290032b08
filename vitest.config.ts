import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // PGlite takes seconds to start; suites share one per file.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // Two cores: more workers only contend.
    maxWorkers: 2,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
  },
});
