/**
 * The pipeline in this process on a harness run (private topic, group and database on the real
 * Kafka and ClickHouse server), over a store the test may wrap to inject a fault.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '@ratel/aggregator';
import { createKafka, createLogger, type Pipeline, startPipeline } from '@ratel/ingest';
import { loadCatalog } from '@ratel/rater';
import { localCodecs } from '@ratel/schemas';
import type { Run } from '../integration/harness.js';

export async function withFaultyPipeline(
  run: Run,
  store: Store,
  body: (p: Pipeline) => Promise<void>,
  encoder?: { module: string; options?: unknown },
): Promise<void> {
  const log = createLogger(process.env.RATEL_TEST_LOG ?? 'silent');
  const p = await startPipeline(createKafka(run.cfg, log), run.cfg, {
    catalog: loadCatalog(),
    accounts: run.accounts,
    codecs: localCodecs(),
    log,
    store,
    ...(encoder ? { encoder } : {}),
  });
  try {
    await body(p);
  } finally {
    await p.stop().catch(() => {});
  }
}

/**
 * The rating workers' rows encoder refusing the first `fail` batches of each worker (-1: every
 * batch); `refusals()` counts them (the workers append to a file: they are other threads).
 */
export function failingEncoder(store: Store, fail: number): { encoder: { module: string; options: unknown }; refusals(): number } {
  const marks = join(mkdtempSync(join(tmpdir(), 'ratel-encoder-')), 'refusals');
  writeFileSync(marks, '');
  return {
    encoder: { module: new URL('./failing-rows-encoder.mjs', import.meta.url).href, options: { engine: store.engine, fail, marks } },
    refusals: () => readFileSync(marks, 'utf8').split('\n').filter(Boolean).length,
  };
}
