import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // CDK synth and s3rver-backed tests are heavy; two workers match the 2-core CI box.
    pool: 'forks',
    maxWorkers: 2,
  },
});
