/**
 * Finding: a CDR dated 2100 was rated, and pushed every account-month out of memory (the engine
 * took 2100 as the current month). Now start dates outside the window around the engine's clock
 * (limits.maxAgeDays back, limits.maxAheadMinutes ahead) are refused, and 2100 is refused always.
 */
import { newOutput, RatingEngine } from '@ratel/rater';
import { DEFAULT_WINDOW } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';
import { voice } from '../rater/helpers.js';
import { ctx, good, now } from './cdr-helpers.js';

describe('regression: CDR dated 2100 rated', () => {
  it('with the window, 2100, next week and last year are refused; the month stays the latest', () => {
    const engine = new RatingEngine({ ...ctx, window: DEFAULT_WINDOW }, now);
    const out = newOutput();
    const cdrs = [
      good('g1'),
      voice('y2100', 'u1', '+33612345678', '2100-01-05T10:00:00', 60),
      voice('week', 'u1', '+33612345678', '2026-10-27T10:00:00', 60),
      voice('old', 'u1', '+33612345678', '2025-10-05T10:00:00', 60),
      // 90 days late roaming (SPEC §5) is inside the window
      voice('roam', 'u1', '+33612345678', '2026-07-23T10:00:00', 60, { roaming: 'ES' }),
    ];
    engine.addAll(cdrs, out);
    expect(out.dead.map((d) => [d.cdr_id, d.code])).toEqual([
      ['y2100', 'CDR_MALFORMED'],
      ['week', 'CDR_OUT_OF_RANGE'],
      ['old', 'CDR_OUT_OF_RANGE'],
    ]);
    expect(out.events.map((e) => e.cdr_id)).toEqual(['g1', 'roam']);
    expect(engine.latestMonth).toBe(202610);
  });
});
