import { defineConfig } from 'vitest/config';

/** `pnpm test:cluster`: real API and worker processes against PostgreSQL and ClickHouse servers. */
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 900_000,
    hookTimeout: 300_000,
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
  },
});
