/**
 * Finding: any exception between rating a batch and queueing its rows (an encoder refusal, a
 * heartbeat failure) left the batch's CDRs held by the engine; kafkajs offered the batch again,
 * the engine took every CDR as a replay, and the offsets were committed: 8,208 CDRs lost. Now
 * the engine forgets on such a failure and rebuilds from the store, so the retried batch is
 * rated again. Real Kafka and ClickHouse server; the fault is one refused encoding.
 */
import { describe, expect, it } from 'vitest';
import { produce, reference, stored, waitFor, withRun } from '../integration/harness.js';
import { withEncode, withFaultyPipeline } from './pipeline-fixture.js';

describe('regression: exception between rating and queueing loses the batch', () => {
  it('a batch whose rows fail to encode once is rated again in full, nothing lost', async () => {
    await withRun('encfail', 40, 6_000, async (run) => {
      const want = reference(run);
      let failures = 0;
      const store = withEncode(run.store, 'rated_events', (t, rows) => {
        if (failures++ < 2) throw new Error('injected encoder refusal');
        return run.store.encode(t, rows);
      });
      await withFaultyPipeline(run, store, async (p) => {
        await produce(run, run.cdrs);
        const done = await waitFor(async () => (await stored(run)).size >= want.size, 90_000, 500);
        expect(done, `stored ${(await stored(run)).size} of ${want.size}`).toBe(true);
        expect(failures).toBeGreaterThan(2);
        const got = await stored(run);
        const diff = [...want].filter(([id, row]) => JSON.stringify(got.get(id)) !== JSON.stringify(row));
        expect(diff.slice(0, 5)).toEqual([]);
        expect(p.isReady()).toBe(true);
      });
    });
  }, 180_000);
});
