/**
 * Finding: any exception between rating a batch and queueing its rows (an encoder refusal, a
 * heartbeat failure) left the batch's CDRs held by the engine; kafkajs offered the batch again,
 * the engine took every CDR as a replay, and the offsets were committed: 8,208 CDRs lost. Now
 * the engine forgets on such a failure and rebuilds from the store, so the retried batch is
 * rated again. Real Kafka and ClickHouse server; the fault is one refused encoding: the first
 * two batches of each rating worker (where rows are encoded, since #18) fail to encode.
 */
import { describe, expect, it } from 'vitest';
import { produce, reference, stored, waitFor, withRun } from '../integration/harness.js';
import { failingEncoder, withFaultyPipeline } from './pipeline-fixture.js';

describe('regression: exception between rating and queueing loses the batch', () => {
  it('a batch whose rows fail to encode once is rated again in full, nothing lost', async () => {
    await withRun('encfail', 40, 6_000, async (run) => {
      const want = reference(run);
      const faulty = failingEncoder(run.store, 2);
      await withFaultyPipeline(
        run,
        run.store,
        async (p) => {
          await produce(run, run.cdrs);
          const done = await waitFor(async () => (await stored(run)).size >= want.size, 90_000, 500);
          expect(done, `stored ${(await stored(run)).size} of ${want.size}`).toBe(true);
          expect(faulty.refusals()).toBeGreaterThanOrEqual(2);
          const got = await stored(run);
          const diff = [...want].filter(([id, row]) => JSON.stringify(got.get(id)) !== JSON.stringify(row));
          expect(diff.slice(0, 5)).toEqual([]);
          expect(p.isReady()).toBe(true);
        },
        faulty.encoder,
      );
    });
  }, 180_000);
});
