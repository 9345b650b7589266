/**
 * The streaming pipeline against the real Kafka and ClickHouse server: crashes, a store restart,
 * duplicates and shuffled order, and scale-out must all give the result of one uninterrupted run.
 * These tests stop and restart services, so the whole suite runs its files one at a time.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createSchema } from '@ratel/aggregator';
import { type Config, createKafka, createLogger, type Pipeline, startPipeline } from '@ratel/ingest';
import { loadCatalog } from '@ratel/rater';
import { localCodecs } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';
import { countStored, exited, produce, type Run, reference, spawnRater, stored, waitFor, withRun } from './harness.js';

const SERVICES = join(import.meta.dirname, '../../deploy/services.sh');

function expectSame(actual: Map<string, unknown>, expected: Map<string, unknown>) {
  expect(actual.size).toBe(expected.size);
  const diff = [...expected.entries()].filter(([id, row]) => JSON.stringify(actual.get(id)) !== JSON.stringify(row));
  expect(diff.slice(0, 5)).toEqual([]);
}

/** Runs `body` with the pipeline in this process on the run's topic and database, then stops it. */
async function withPipeline(run: Run, body: (p: Pipeline) => Promise<void>, cfg: Config = run.cfg): Promise<void> {
  const log = createLogger(process.env.RATEL_TEST_LOG ?? 'silent');
  const p = await startPipeline(createKafka(cfg, log), cfg, {
    catalog: loadCatalog(),
    accounts: run.accounts,
    codecs: localCodecs(),
    log,
    store: run.store,
  });
  try {
    await body(p);
  } finally {
    await p.stop();
  }
}

describe('pipeline recovery (real Kafka + ClickHouse server)', () => {
  it('SIGKILLed and restarted raters give the result of an uninterrupted run (200,000 CDRs)', async () => {
    await withRun('kill', 700, 200_000, async (run) => {
      expect(run.cdrs.length).toBe(200_000);
      const want = reference(run);
      await produce(run, run.cdrs);
      let kills = 0;
      for (let i = 0; i < 4; i++) {
        const child = spawnRater(run);
        const before = await countStored(run);
        // let it get somewhere, then kill it without warning at a random point
        await waitFor(async () => (await countStored(run)) > before, 60_000, 100);
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 1500)));
        const atKill = await countStored(run);
        child.kill('SIGKILL');
        await exited(child);
        if (atKill < want.size) kills++; // a kill that interrupted work
        if ((await countStored(run)) >= want.size) break;
      }
      expect(kills).toBeGreaterThan(0);
      const last = spawnRater(run);
      try {
        const done = await waitFor(async () => (await countStored(run)) >= want.size, 240_000, 1000);
        expect(done, `rated ${await countStored(run)} of ${want.size}`).toBe(true);
        // give a replayed batch time to land, then compare row by row
        await new Promise((r) => setTimeout(r, 1500));
        expectSame(await stored(run), want);
      } finally {
        last.kill('SIGTERM');
        expect(await exited(last)).toBe(0);
      }
    });
  }, 300_000);

  it('a ClickHouse server restart mid-run loses nothing and doubles nothing', async () => {
    await withRun('chrestart', 150, 40_000, async (run) => {
      const want = reference(run);
      await withPipeline(run, async (p) => {
        const half = Math.floor(run.cdrs.length / 2);
        await produce(run, run.cdrs.slice(0, half));
        expect(await waitFor(async () => p.stats.consumed >= half, 60_000, 100)).toBe(true);
        // The server goes down; the second half arrives while it is down, so writes must wait.
        execFileSync('bash', [SERVICES, 'down', 'clickhouse'], { stdio: 'ignore' });
        await produce(run, run.cdrs.slice(half));
        await new Promise((r) => setTimeout(r, 3000));
        execFileSync('bash', [SERVICES, 'up', 'clickhouse'], { stdio: 'ignore' });
        const done = await waitFor(async () => p.stats.consumed >= run.cdrs.length, 180_000);
        expect(done).toBe(true);
        const retries = (await p.metrics.storeRetries.get()).values[0]?.value ?? 0;
        expect(retries).toBeGreaterThan(0);
        expectSame(await stored(run), want);
      });
    });
  }, 300_000);

  it('every CDR sent twice, in shuffled order: same result', async () => {
    await withRun('dup', 120, 30_000, async (run) => {
      const want = reference(run);
      const twice = [...run.cdrs, ...run.cdrs];
      for (let i = twice.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [twice[i], twice[j]] = [twice[j] as (typeof twice)[number], twice[i] as (typeof twice)[number]];
      }
      await withPipeline(run, async (p) => {
        await produce(run, twice);
        expect(await waitFor(async () => p.stats.consumed >= twice.length, 120_000)).toBe(true);
        expect(p.stats.replays).toBeGreaterThanOrEqual(run.cdrs.length);
        expectSame(await stored(run), want);
      });
    });
  }, 300_000);

  it('a write the store refuses stops the pipeline without committing; a restart replays the rest', async () => {
    await withRun('refused', 60, 8_000, async (run) => {
      const want = reference(run);
      const half = run.cdrs.length / 2;
      await withPipeline(run, async (p) => {
        await produce(run, run.cdrs.slice(0, half));
        expect(await waitFor(async () => p.stats.consumed >= half, 60_000)).toBe(true);
        // A real refusal: the table the next write goes to is gone (not a transient error).
        await run.store.exec('DROP TABLE rated_events');
        await produce(run, run.cdrs.slice(half));
        const failure = await Promise.race([
          p.failed.catch((e: unknown) => e),
          new Promise((r) => setTimeout(() => r('no failure'), 60_000)),
        ]);
        expect((failure as { code?: string }).code).toBe('STORE_QUERY_FAILED');
        expect(p.stats.consumed).toBeLessThan(run.cdrs.length);
      });
      // Restarted on a repaired store: uncommitted batches are replayed, the lost ratings
      // re-emitted from the archive, and the result is the uninterrupted one.
      await createSchema(run.store);
      await withPipeline(run, async () => {
        expect(await waitFor(async () => (await countStored(run)) >= want.size, 120_000)).toBe(true);
        expectSame(await stored(run), want);
      });
    });
  }, 300_000);

  it('a restarted rater loads the history of the account-months the store holds, and only those', async () => {
    await withRun('history', 60, 10_000, async (run) => {
      const want = reference(run);
      const ids = [...new Set(run.cdrs.map((c) => c.account_id))].sort();
      const a = new Set(ids.slice(0, ids.length / 2));
      // First run: the first half of accounts A's CDRs. Second run: the rest of A's, and all of B's.
      const ofA = run.cdrs.filter((c) => a.has(c.account_id));
      const first = ofA.slice(0, ofA.length / 2);
      const second = run.cdrs.filter((c) => !first.includes(c));
      await withPipeline(run, async (p) => {
        await produce(run, first);
        expect(await waitFor(async () => p.stats.consumed >= first.length, 60_000)).toBe(true);
        expect(p.stats.restored).toBe(0); // a fresh store: no history query at all
      });
      // What the second run must load: A's account-months that were archived and come back.
      const archived = new Set(first.filter((c) => want.has(c.id)).map((c) => c.account_id));
      const back = new Set(second.filter((c) => archived.has(c.account_id)).map((c) => c.account_id));
      expect(back.size).toBeGreaterThan(0);
      await withPipeline(run, async (p) => {
        await produce(run, second);
        expect(await waitFor(async () => p.stats.consumed >= second.length, 60_000)).toBe(true);
        expect(p.stats.restored).toBe(back.size);
        expect(await waitFor(async () => (await countStored(run)) >= want.size, 60_000)).toBe(true);
        expectSame(await stored(run), want);
      });
    });
  }, 300_000);

  it('a store writer that falls behind pauses consumption, and the result is unchanged', async () => {
    await withRun('pressure', 80, 20_000, async (run) => {
      const want = reference(run);
      // At most 2,000 rated rows not yet stored, written 500 at a time: consumption must wait.
      const cfg: Config = { ...run.cfg, writer: { ...run.cfg.writer, minRows: 500, maxPendingRows: 2_000 } };
      await produce(run, run.cdrs);
      await withPipeline(
        run,
        async (p) => {
          expect(await waitFor(async () => p.stats.consumed >= run.cdrs.length, 120_000)).toBe(true);
          const waits = (await p.metrics.backpressure.get()).values[0]?.value ?? 0;
          expect(waits).toBeGreaterThan(0);
          expectSame(await stored(run), want);
        },
        cfg,
      );
    });
  }, 300_000);

  it('two rater processes in one group give the same result as one', async () => {
    await withRun('two', 200, 40_000, async (run) => {
      const want = reference(run);
      await produce(run, run.cdrs);
      const a = spawnRater(run);
      const b = spawnRater(run);
      try {
        const done = await waitFor(async () => (await countStored(run)) >= want.size, 180_000, 1000);
        expect(done).toBe(true);
        await new Promise((r) => setTimeout(r, 1500));
        expectSame(await stored(run), want);
      } finally {
        a.kill('SIGTERM');
        b.kill('SIGTERM');
        await Promise.all([exited(a), exited(b)]);
      }
    });
  }, 300_000);
});
