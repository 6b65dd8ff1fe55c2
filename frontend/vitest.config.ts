import { defineConfig } from 'vitest/config';

// Unit tests of the pure modules (src/**/*.test.ts). The browser tests in tests/ run
// with node --test against a running chainmap (see tests/README in ../README.md).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
