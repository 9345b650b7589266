import { defineConfig } from 'vitest/config';

// One runner for the whole repository. Workspace packages resolve to their TypeScript sources
// (the "source" export condition), so tests need no build step except for worker-thread code,
// which `npm test` builds first.
export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
