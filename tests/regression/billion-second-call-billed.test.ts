/**
 * Finding: a call of 1e9 s was billed 14.8 M EUR. Now a call longer than limits.maxCallSeconds
 * (24 h by default) is refused before rating, and the limit is a setting.
 */
import { newOutput, RatingEngine } from '@ratel/rater';
import { DEFAULT_LIMITS } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';
import { voice } from '../rater/helpers.js';
import { ctx, now } from './cdr-helpers.js';

describe('regression: billion-second call billed', () => {
  it('a 1e9 s call is CDR_OUT_OF_RANGE, a 24 h call is rated', () => {
    const out = newOutput();
    const absurd = voice('absurd', 'u1', '+33612345678', '2026-10-05T10:00:00', 1e9);
    const day = voice('day', 'u1', '+34612345678', '2026-10-06T10:00:00', 86_400 - 5);
    new RatingEngine(ctx, now).addAll([absurd, day], out);
    expect(out.dead.map((d) => [d.cdr_id, d.code])).toEqual([['absurd', 'CDR_OUT_OF_RANGE']]);
    expect(out.dead[0]?.reason).toContain('limits.maxCallSeconds');
    expect(out.events.map((e) => e.cdr_id)).toEqual(['day']);
  });

  it('the limit is a setting: a tighter one refuses the 24 h call', () => {
    const out = newOutput();
    const day = voice('day', 'u1', '+34612345678', '2026-10-06T10:00:00', 86_400 - 5);
    new RatingEngine({ ...ctx, limits: { ...DEFAULT_LIMITS, maxCallSeconds: 3600 } }, now).addAll([day], out);
    expect(out.dead.map((d) => d.code)).toEqual(['CDR_OUT_OF_RANGE']);
  });
});
