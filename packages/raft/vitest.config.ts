import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Seeded, CPU-bound suites (many seeds per test): seconds each, and several times that on
  // a loaded 2-core CI machine running every package at once.
  test: { include: ['src/**/*.test.ts'], testTimeout: 60_000 },
});
