/**
 * Finding: start_ms = 9e15 reached the calendar maths and threw an untyped RangeError, which
 * stopped consumption for good. Now it is a malformed CDR, dead-lettered with its reason.
 */
import { checkFrames, newOutput, RatingEngine } from '@ratel/rater';
import { describe, expect, it } from 'vitest';
import { codec, ctx, good, now } from './cdr-helpers.js';

describe('regression: start_ms 9e15 RangeError', () => {
  for (const start of [9e15, -1, 0, 8.64e15, 8.9e15]) {
    it(`start_ms ${start} is a CDR_MALFORMED dead letter, never an exception`, () => {
      const bad = { ...good('far'), start_ms: start };
      const out = newOutput();
      expect(() => new RatingEngine(ctx, now).addAll([good('g1'), bad], out)).not.toThrow();
      expect(out.dead.map((d) => [d.cdr_id, d.code])).toEqual([['far', 'CDR_MALFORMED']]);
      expect(out.events).toHaveLength(1);
      const frame = codec.encode(bad);
      const r = checkFrames({
        buffer: frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.length) as ArrayBuffer,
        offsets: Int32Array.of(0, frame.length),
        schemaId: codec.schemaId,
      });
      expect(r.bad.map((b) => b.code)).toEqual(['CDR_MALFORMED']);
    });
  }
});
