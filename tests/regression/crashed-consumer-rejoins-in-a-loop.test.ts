/**
 * Bug: a pipeline that had stopped on a failure kept its kafkajs consumer going. kafkajs
 * restarts a consumer it crashed (its default), so the consumer rejoined the group, failed its
 * first batch on the pipeline's failure, crashed and rejoined again, every few seconds, with a
 * new member id each time (seen in the consumer-offsets log of a clean-clone CI run of
 * tests/integration/http-ingest.test.ts: a join and a leave every 4 s for 2 minutes, no offset
 * committed). And kafkajs stops a crashing consumer before it emits CRASH, so the failure said
 * "consumer stopped" rather than the crash's cause. Now the consumer is not restarted and the
 * failure names the cause. The first crash of that CI run was a group coordinator still loading
 * on a new broker, which the pipeline took as fatal: kafkajs now restarts the consumer on such a
 * crash while it was healthy within kafka.restartWindowMs. Real Kafka and ClickHouse server.
 * Faults: an encoder that refuses every batch (the pipeline stops on its batch failures), and a
 * new broker of the test's own, stopped under a running pipeline and started again.
 */
import { createKafka, createLogger, type Pipeline } from '@ratel/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countStored, produce, type Run, reference, stored, waitFor, withRun } from '../integration/harness.js';
import { ownBroker } from '../integration/own-broker.js';
import { failingEncoder, withFaultyPipeline } from './pipeline-fixture.js';

describe('regression: a crashed consumer rejoins its group in a loop', () => {
  it('once the pipeline has failed, its consumer stays out of the group, and the failure names the cause', async () => {
    await withRun('crashloop', 10, 500, async (run) => {
      const faulty = failingEncoder(run.store, -1);
      await withFaultyPipeline(
        run,
        run.store,
        async (p) => {
          await produce(run, run.cdrs);
          const why = await failureOf(p, 90_000);
          expect(why, 'the pipeline did not stop on batches that always fail').not.toBeNull();
          expect(why?.message).toContain('injected encoder refusal');
          expect(faulty.refusals()).toBeGreaterThanOrEqual(1);
          await staysOut(run);
        },
        faulty.encoder,
      );
    });
  }, 180_000);
});

/** A Kafka broker of this test's own, which it stops (never the shared one). */
const own = ownBroker('RATEL_TEST_CRASH_KAFKA', '/tmp/crash-loop-run', 19292);

describe('regression: a crashed consumer rejoins its group in a loop (a broker of its own)', () => {
  // A new broker each time: its group coordinator is still loading when the first consumer joins
  // (the clean-clone CI run's broker of its own was new too).
  beforeAll(() => own.fresh(), 180_000);
  afterAll(() => own.down(), 60_000);
  const services = own.services;

  it('a coordinator still loading, then the broker stopped and started: kafkajs restarts the consumer, every CDR is rated', async () => {
    await withRun(
      'crashride',
      20,
      4_000,
      async (run) => {
        const want = reference(run);
        const half = run.cdrs.length / 2;
        await withFaultyPipeline(run, run.store, async (p) => {
          let failed: unknown = null;
          p.failed.catch((e: unknown) => {
            failed = e;
          });
          await produce(run, run.cdrs.slice(0, half));
          expect(await waitFor(async () => p.stats.consumed >= half, 90_000, 200), `consumed ${p.stats.consumed} of ${half}`).toBe(true);
          await own.down();
          await own.up();
          await produce(run, run.cdrs.slice(half));
          expect(await waitFor(async () => (await countStored(run)) >= want.size, 90_000, 500), 'not every CDR stored').toBe(true);
          expect(failed).toBeNull();
        });
        const got = await stored(run);
        const diff = [...want].filter(([id, row]) => JSON.stringify(got.get(id)) !== JSON.stringify(row));
        expect(diff.slice(0, 5)).toEqual([]);
      },
      services,
    );
  }, 240_000);

  it('past kafka.restartWindowMs the crash stops the pipeline, naming its cause; once the broker is back nothing rejoins', async () => {
    await withRun(
      'crashstop',
      10,
      500,
      async (run) => {
        const noWindow = { ...run, cfg: { ...run.cfg, kafka: { ...run.cfg.kafka, restartWindowMs: 0 } } };
        await withFaultyPipeline(noWindow, run.store, async (p) => {
          await p.ready;
          await own.down();
          const why = await failureOf(p, 90_000);
          expect(why, 'the pipeline did not stop when its broker did').not.toBeNull();
          // The crash's cause (the broker gone), not the stop kafkajs makes before it reports the crash.
          expect(why?.message).not.toContain('consumer stopped');
          expect((why as { code?: string } | null)?.code).toBe('BROKER_UNREACHABLE');
          expect(why?.message).toMatch(/ECONNREFUSED/);
          await own.up();
          await staysOut(run);
        });
      },
      services,
    );
  }, 240_000);
});

/** The error `p` failed with, or null if it has not within `ms`. */
function failureOf(p: Pipeline, ms: number): Promise<Error | null> {
  return Promise.race([
    p.failed.then(
      () => null,
      (e: unknown) => e as Error,
    ),
    new Promise<null>((r) => setTimeout(() => r(null), ms)),
  ]);
}

/** The run's consumer group has no member within 20 s, and none joins in the next 6 s (kafkajs's restart came within a second). */
async function staysOut(run: Run): Promise<void> {
  const admin = createKafka(run.cfg, createLogger('silent')).admin();
  await admin.connect();
  try {
    const members = async () => {
      const { groups } = await admin.describeGroups([run.cfg.kafka.groupId]);
      return groups[0]?.members.length ?? 0;
    };
    expect(await waitFor(async () => (await members()) === 0, 20_000, 200), 'the consumer never left the group').toBe(true);
    const rejoined = await waitFor(async () => (await members()) > 0, 6_000, 200);
    expect(rejoined, 'the failed pipeline rejoined the consumer group').toBe(false);
  } finally {
    await admin.disconnect();
  }
}
