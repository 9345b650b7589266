/**
 * A hostile stream against the real Kafka and ClickHouse server: good CDRs mixed with every bad
 * kind (random bytes, truncated Avro, absurd values, oversized strings, a burst of unknown
 * accounts, ids sent again with other content), with the rater killed -9 twice. Every good CDR
 * is rated exactly once (compared with an uninterrupted in-process rating), every bad one is
 * dead-lettered with its reason, and the process never stalls. The dead-letter limit is set low
 * so the oversized ones reach the topic as references, their frames whole in the table.
 */
import { createKafka, createLogger, encodeFrames, type FrameChunk, produceFrames } from '@ratel/ingest';
import { type Cdr, localCodecs } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';
import { exited, MONTH, reference, spawnRater, stored, waitFor, withRun } from './harness.js';

const codec = localCodecs().cdr;

/** One chunk of raw frames, keyed as given. */
const chunk = (frames: Buffer[], keys: string[]): FrameChunk => {
  const ends = new Int32Array(frames.length + 1);
  frames.forEach((f, i) => {
    ends[i + 1] = (ends[i] as number) + f.length;
  });
  return { bytes: Buffer.concat(frames), ends, keys };
};

describe('hostile stream (real Kafka + ClickHouse server)', () => {
  it('rates every good CDR once and dead-letters every bad one, through two kill -9', async () => {
    await withRun('hostile', 120, 30_000, async (run) => {
      run.env.RATEL_KAFKA_MAX_MESSAGE_BYTES = '100000';
      const want = reference(run);
      const good = run.cdrs;
      const voiceOf = good.filter((c) => c.kind === 'VOICE');
      const first = good[0] as Cdr;
      const mod = (c: Cdr, id: string, over: (x: Cdr) => void): Cdr => {
        const x = structuredClone(c);
        x.id = id;
        over(x);
        return x;
      };
      const absurd: Cdr[] = [];
      for (let i = 0; i < 20; i++) {
        const v = voiceOf[i] as Cdr;
        absurd.push(mod(v, `long-${i}`, (x) => Object.assign(x.voice ?? {}, { duration_s: 1e9, billable_s: 1e9 })));
        absurd.push(mod(v, `far-${i}`, (x) => Object.assign(x, { start_ms: 9e15 })));
        absurd.push(
          mod(first, `bytes-${i}`, (x) =>
            Object.assign(x, {
              kind: 'DATA',
              voice: null,
              message: null,
              event: null,
              data: { end_ms: x.start_ms + 1000, bytes_up: 5e15, bytes_down: 5e15, apn: 'internet' },
            }),
          ),
        );
      }
      const huge = [0, 1, 2].map((i) =>
        mod(voiceOf[i] as Cdr, `huge-${i}`, (x) => Object.assign(x.voice ?? {}, { callee: '3'.repeat(600_000) })),
      );
      const unknown = Array.from({ length: 2000 }, (_, i) =>
        mod(first, `ghost-${i}`, (x) => Object.assign(x, { account_id: `ghost-${i % 50}` })),
      );
      const garbage = Array.from({ length: 50 }, (_, i) =>
        Buffer.from(Array.from({ length: 10 + i }, (_, k) => (k * 7919 + i * 31) & 255)),
      );
      const truncated = voiceOf.slice(100, 150).map((c) => codec.encode(c).subarray(0, 20));
      // Interleave the good and the bad, keyed by account as a switch would.
      const frames: Buffer[] = [];
      const keys: string[] = [];
      const bad = [...absurd, ...unknown];
      good.forEach((c, i) => {
        frames.push(codec.encode(c));
        keys.push(c.account_id);
        if (i % 12 === 0 && bad.length) {
          const b = bad.pop() as Cdr;
          frames.push(codec.encode(b));
          keys.push(b.account_id);
        }
        if (i % 500 === 0 && garbage.length) {
          frames.push(garbage.pop() as Buffer);
          keys.push('garbage');
          frames.push(truncated.pop() as Buffer);
          keys.push(c.account_id);
        }
      });
      for (const b of bad) {
        frames.push(codec.encode(b));
        keys.push(b.account_id);
      }
      const chunks: FrameChunk[] = [];
      for (let i = 0; i < frames.length; i += 3000) chunks.push(chunk(frames.slice(i, i + 3000), keys.slice(i, i + 3000)));
      for (const h of huge) chunks.push(chunk([codec.encode(h)], [h.account_id]));
      // Ids rated already, sent again with other content: after their originals on their partition.
      const conflicts = voiceOf
        .slice(200, 250)
        .map((c) =>
          mod(c, c.id, (x) =>
            Object.assign(x.voice ?? {}, { billable_s: (x.voice?.billable_s ?? 0) + 7, duration_s: (x.voice?.duration_s ?? 0) + 7 }),
          ),
        );
      chunks.push(...encodeFrames(codec, conflicts, 1000));
      const kafka = createKafka(run.cfg, createLogger('silent'));
      await produceFrames(kafka, run.cfg, chunks, { rate: 0 });

      // In code order, as deadCounts reads them.
      const expected = { CDR_CONFLICT: 50, CDR_MALFORMED: 20 + 50 + 50, CDR_OUT_OF_RANGE: 20 + 20 + 3, CDR_UNRATEABLE: 2000 };
      const deadCounts = async () =>
        Object.fromEntries(
          (
            await run.store.query<{ code: string; n: number }>(
              `SELECT code, count() AS n FROM dead_letters FINAL GROUP BY code ORDER BY code`,
            )
          ).map((r) => [r.code, Number(r.n)]),
        );
      const count = async () => (await stored(run)).size;
      for (let k = 0; k < 2; k++) {
        const child = spawnRater(run);
        const at = await count();
        await waitFor(async () => (await count()) > at, 60_000, 100);
        await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 1200)));
        child.kill('SIGKILL');
        await exited(child);
      }
      const last = spawnRater(run);
      (globalThis as { lastRater?: unknown }).lastRater = last;
      try {
        const done = await waitFor(
          async () => (await count()) >= want.size && JSON.stringify(await deadCounts()) === JSON.stringify(expected),
          180_000,
          1000,
        );
        expect(await deadCounts()).toEqual(expected);
        expect(
          done,
          `stored ${await count()} of ${want.size}; rater: ${(last as unknown as { stderrTail: string }).stderrTail.slice(-3000)}`,
        ).toBe(true);
        await new Promise((r) => setTimeout(r, 1500));
        const got = await stored(run);
        expect(got.size).toBe(want.size);
        const diff = [...want].filter(([id, row]) => JSON.stringify(got.get(id)) !== JSON.stringify(row));
        expect(diff.slice(0, 5)).toEqual([]);
        // Rated exactly once: one row per CDR id through FINAL, and no version beyond the first
        // for CDRs whose rating never had a reason to change.
        const [dups] = await run.store.query<{ n: number }>(
          `SELECT count() AS n FROM (SELECT cdr_id, count() AS c FROM rated_events FINAL WHERE month = ${MONTH} GROUP BY cdr_id HAVING c > 1)`,
        );
        expect(Number(dups?.n)).toBe(0);
        // The oversized dead letters keep their whole frame in the table.
        const big = await run.store.query<{ len: number; code: string }>(
          `SELECT length(body) AS len, code FROM dead_letters FINAL WHERE length(body) > 100000`,
        );
        expect(big.map((b) => b.code)).toEqual(['CDR_OUT_OF_RANGE', 'CDR_OUT_OF_RANGE', 'CDR_OUT_OF_RANGE']);
        for (const b of big) expect(Number(b.len)).toBeGreaterThan(800_000); // base64 of a 600 KB frame
        // The conflicts keep both versions.
        const [held] = await run.store.query<{ n: number }>(
          `SELECT count() AS n FROM dead_letters FINAL WHERE code = 'CDR_CONFLICT' AND held != ''`,
        );
        expect(Number(held?.n)).toBe(50);
      } finally {
        last.kill('SIGTERM');
        const code = await exited(last);
        // How it ended and what it said last, should it not be a clean exit.
        expect({ code, signal: last.signalCode }, `rater: ${(last as unknown as { stderrTail: string }).stderrTail.slice(-3000)}`).toEqual({
          code: 0,
          signal: null,
        });
      }
    });
  }, 400_000);
});
