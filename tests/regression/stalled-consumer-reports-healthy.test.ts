/**
 * Finding: when consumption stopped for good, /readyz still said ready and the lag metric froze
 * at 0 (it was taken from the last batch), and a batch that failed every time was retried
 * forever. Now a batch failing 5 times stops the pipeline (`failed` rejects, `ratel run` exits
 * 2), readiness turns false, and the lag, read from the broker, shows what waits.
 */
import { describe, expect, it } from 'vitest';
import { produce, waitFor, withRun } from '../integration/harness.js';
import { failingEncoder, withFaultyPipeline } from './pipeline-fixture.js';

describe('regression: a stalled consumer reports healthy', () => {
  it('a batch that always fails stops the pipeline; not ready; lag from the broker', async () => {
    await withRun('stall', 20, 3_000, async (run) => {
      // This batch never encodes, in any rating worker.
      const faulty = failingEncoder(run.store, -1);
      await withFaultyPipeline(
        run,
        run.store,
        async (p) => {
          await p.ready;
          await produce(run, run.cdrs);
          let why: unknown = null;
          p.failed.catch((e: unknown) => {
            why = e;
          });
          expect(await waitFor(async () => why !== null, 120_000, 250)).toBe(true);
          expect(String((why as Error).message)).toContain('injected');
          expect(p.isReady()).toBe(false);
          // The broker says how much waits: every CDR (nothing was committed).
          const lag = async () => ((await p.metrics.lag.get()).values as { value: number }[]).reduce((s, v) => s + v.value, 0);
          expect(await waitFor(async () => (await lag()) === run.cdrs.length, 20_000, 500), `lag ${await lag()}`).toBe(true);
        },
        faulty.encoder,
      );
    });
  }, 180_000);
});
