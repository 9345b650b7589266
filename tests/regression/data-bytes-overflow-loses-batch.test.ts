/**
 * Finding: one DATA CDR whose bytes_up + bytes_down is 1e16 (each field valid) made the store
 * encoder refuse its whole batch, and 8,208 good CDRs of it were lost. Now the session is out of
 * range at the check (pool and engine), and the rest of the batch is rated and encodes.
 */
import { columnsOf, rowEncoder, TABLES } from '@ratel/aggregator';
import { checkFrames, newOutput, RatingEngine } from '@ratel/rater';
import { describe, expect, it } from 'vitest';
import { codec, ctx, good, now, session } from './cdr-helpers.js';

describe('regression: data bytes overflow loses the batch', () => {
  const batch = [good('g1'), session('huge', 5e15, 5e15), good('g2', 6), session('fine', 1000, 2000)];

  it('the engine dead-letters the session as CDR_OUT_OF_RANGE and rates the others', () => {
    const out = newOutput();
    new RatingEngine(ctx, now).addAll(batch, out);
    expect(out.dead.map((d) => [d.cdr_id, d.code, d.index])).toEqual([['huge', 'CDR_OUT_OF_RANGE', 1]]);
    expect(out.dead[0]?.reason).toContain('limits.maxSessionBytes');
    expect(out.events.map((e) => e.cdr_id)).toEqual(['g1', 'g2', 'fine']);
    // The store encoder takes every row the engine gave.
    const enc = rowEncoder('rated_events', columnsOf(TABLES.rated_events));
    expect(() => enc.encode(out.events)).not.toThrow();
  });

  it('the frame checker refuses it too, naming the limit', () => {
    const frames = batch.map((c) => codec.encode(c));
    const all = Buffer.concat(frames);
    const offsets = new Int32Array(frames.length + 1);
    frames.forEach((f, i) => {
      offsets[i + 1] = (offsets[i] as number) + f.length;
    });
    const { bad } = checkFrames({
      buffer: all.buffer.slice(all.byteOffset, all.byteOffset + all.length) as ArrayBuffer,
      offsets,
      schemaId: codec.schemaId,
    });
    expect(bad.map((b) => [b.index, b.code])).toEqual([[1, 'CDR_OUT_OF_RANGE']]);
  });
});
