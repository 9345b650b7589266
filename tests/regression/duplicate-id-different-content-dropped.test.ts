/**
 * Finding: a duplicate CDR id with different content was silently dropped, the first arrival
 * winning. Now it is a CDR_CONFLICT dead letter carrying both versions; the same record sent
 * again is still a replay.
 */
import { newOutput, RatingEngine } from '@ratel/rater';
import { describe, expect, it } from 'vitest';
import { voice } from '../rater/helpers.js';
import { ctx, good, now } from './cdr-helpers.js';

describe('regression: duplicate id with different content dropped', () => {
  it('conflict dead letter with both versions, in order and out of order', () => {
    for (const lateFirst of [false, true]) {
      const engine = new RatingEngine(ctx, now);
      const out = newOutput();
      const first = good('dup', 10);
      const other = voice('dup', 'u1', '+33699999999', '2026-10-10T10:00:00', 600);
      if (lateFirst) engine.addAll([good('later', 20)], out); // makes both arrivals late
      engine.addAll([first], out);
      engine.addAll([other, structuredClone(first)], out);
      expect(out.dead.map((d) => [d.cdr_id, d.code])).toEqual([['dup', 'CDR_CONFLICT']]);
      expect(out.dead[0]?.cdr).toEqual(other);
      expect(out.dead[0]?.held).toEqual(first);
      expect(out.replays).toBe(1);
      expect(out.events.filter((e) => e.cdr_id === 'dup').map((e) => e.counterpart)).toEqual(['33612345678']);
    }
  });
});
