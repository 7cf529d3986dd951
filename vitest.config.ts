import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // Suites share one PostgreSQL and one Redis; each isolates itself with its own database and queue prefix.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
