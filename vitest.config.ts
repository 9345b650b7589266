import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./${pkg}/src/index.ts`, import.meta.url));

// One runner for the whole repository. Workspace packages resolve to their TypeScript sources,
// so tests need no build step, except worker-thread code (the Piscina rating workers, the rows
// encoder they load, the PDF workers) and the CLI, which run from dist/: `npm test` builds first.
export default defineConfig({
  resolve: {
    alias: {
      '@ratel/schemas': src('schemas'),
      '@ratel/rater': src('rater'),
      '@ratel/aggregator': src('aggregator'),
      '@ratel/ingest': src('ingest'),
    },
  },
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Integration tests stop and restart the shared services: files run one at a time.
    fileParallelism: false,
    reporters: ['default'],
  },
});
