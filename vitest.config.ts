import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // chDB is a native addon holding one engine per process: each test file gets its own process.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration files start their own nats-server and chDB; two cores run two at once.
    maxWorkers: 2,
  },
});
