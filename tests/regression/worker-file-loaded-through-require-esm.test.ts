/**
 * Regression: Piscina require()s its worker file first, and the rating workers' file was an ES
 * module: on Node 20 that took the synchronous require(esm) path, which aborted the whole test
 * process from a starting worker (V8 fatal "IsGraphAsync must be used on an instantiated
 * module"; chDB then answered "server is shutting down", the import test hung) in 2 runs of 7 of
 * tests/ingest/import.test.ts. Each pool's worker file is now CommonJS that import()s the module.
 * A node with require(esm) turned off can require it.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PDF_WORKER } from '@ratel/aggregator';
import { RATING_WORKER } from '@ratel/rater';
import { describe, expect, it } from 'vitest';

/** What require() gives for the file in a node without require(esm): ERR_REQUIRE_ESM (exit 1) for an ES module. */
const required = (url: string, then: string) =>
  execFileSync(
    process.execPath,
    ['--no-experimental-require-module', '-e', `const p = require(${JSON.stringify(fileURLToPath(url))}); ${then}`],
    { encoding: 'utf8' },
  ).trim();

describe('regression: worker file loaded through require(esm)', () => {
  it('the rating workers load a CommonJS file, which imports the worker module', () => {
    expect(RATING_WORKER).toMatch(/\.cjs$/);
    // Outside a worker thread the module fails on its missing workerData: it was imported, not refused.
    expect(required(RATING_WORKER, 'p.then(() => console.log("loaded"), (e) => console.log("imported:", e.message))')).toMatch(
      /^imported: .*image/,
    );
  });

  it('the PDF workers too, and it gives their task handler', () => {
    expect(PDF_WORKER).toMatch(/\.cjs$/);
    expect(required(PDF_WORKER, 'p.then((f) => console.log(typeof f, f.name))')).toBe('function renderPdf');
  });
});
