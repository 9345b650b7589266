/**
 * Finding (#18): since the rating workers take frames that no pool has checked, a CDR starting
 * at an impossible instant (9e15 ms, past Date's range) reached the session's look-up of the
 * account-months to restore, whose calendar maths threw an untyped RangeError ("Invalid time
 * value"): the whole batch failed, five times, and `ratel run` stopped (the hostile stream test).
 * Now such a CDR has no billing month there, and the engine dead-letters it as CDR_MALFORMED.
 */
import { ROWS_ENCODER_MODULE } from '@ratel/aggregator';
import { RatingPool, RatingSession } from '@ratel/rater';
import { describe, expect, it } from 'vitest';
import { MemStore } from '../rater/mem-store.js';
import { codec, ctx, good, now } from './cdr-helpers.js';

const STARTS = [9e15, 8.64e15, -1, 0, 4_102_444_800_000];

describe('regression: an impossible start time fails the batch in the rating worker', () => {
  it('a session that restores from a store dead-letters each one and rates the rest', async () => {
    const store = new MemStore();
    const session = new RatingSession(ctx, { history: store.history, sink: { write: async () => {}, drain: async () => {} } }, { now });
    const batch = [good('g1'), ...STARTS.map((s, i) => ({ ...good(`far${i}`), start_ms: s })), good('g2', 6)];
    const { out } = await session.rate(batch);
    expect(out.dead.map((d) => d.code)).toEqual(STARTS.map(() => 'CDR_MALFORMED'));
    expect(out.events.map((e) => e.cdr_id)).toEqual(['g1', 'g2']);
  });

  it('the rating pool, given their frames, does the same', async () => {
    const store = new MemStore();
    const pool = new RatingPool(ctx, store, { threads: 2, encoder: { module: ROWS_ENCODER_MODULE, options: { engine: 'chdb' } }, now });
    try {
      const batch = [good('g1'), ...STARTS.map((s, i) => ({ ...good(`far${i}`), start_ms: s })), good('g2', 6)];
      const r = await pool.rate({ frames: batch.map((c) => codec.encode(c)), schemaId: codec.schemaId });
      expect(r.dead.map((d) => [d.index, d.code])).toEqual(STARTS.map((_, i) => [i + 1, 'CDR_MALFORMED']));
      expect(r.rated).toBe(2);
    } finally {
      await pool.close();
    }
  });
});
