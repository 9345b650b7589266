/**
 * The field parsers of the sources (ingest/src/sources/fields.ts) and their in-place forms: the
 * `…To` forms write into a Float64Array slot what the plain forms return, and the plain forms
 * (which the in-place ones now back) keep their results, NaN cases and ISO offset state.
 */
import { sources } from '@ratel/ingest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const { parseScaled, scaledTo, parseIsoWall, isoWallTo, parseLayout, layoutTo, compileLayout, Zone } = sources;

/** Text placed inside other characters, so that every parser reads a span, not a whole string. */
const framed = (t: string) => ({ s: `#,${t};x`, a: 2, b: 2 + t.length });

describe('parseScaled and scaledTo', () => {
  it.each([
    ['12', 3, 12_000],
    ['12.5', 3, 12_500],
    ['12.0001', 3, 12_001], // digits beyond the scale round up, never down
    ['12.0000', 3, 12_000],
    ['-3', 6, -3_000_000],
    ['1793610000.25', 3, 1_793_610_000_250],
    ['0.000001', 6, 1],
    ['7', 0, 7],
  ])('reads %s at scale %i as %d', (t, scale, want) => {
    const { s, a, b } = framed(t);
    expect(parseScaled(s, a, b, scale)).toBe(want);
    const out = new Float64Array(3).fill(42);
    scaledTo(s, a, b, scale, out, 1);
    expect(out[1]).toBe(want);
    expect(out[0]).toBe(42);
    expect(out[2]).toBe(42);
  });

  it.each(['', '-', '.', 'abc', '1e9', '1.2.3', '99999999999999999', ' 1'])('gives NaN for %j', (t) => {
    const { s, a, b } = framed(t);
    expect(parseScaled(s, a, b, 3)).toBeNaN();
    const out = new Float64Array(1);
    scaledTo(s, a, b, 3, out, 0);
    expect(out[0]).toBeNaN();
  });
});

describe('parseIsoWall and isoWallTo', () => {
  const Z = Date.UTC(2026, 10, 3, 8, 15, 2);
  it.each([
    ['2026-11-03T08:15:02Z', true, Z, true],
    ['2026-11-03T09:15:02+01:00', true, Z, true],
    ['2026-11-03T09:15:02+0100', true, Z, true],
    ['2026-11-03T03:15:02-05', true, Z, true],
    ['2026-11-03 08:15:02.5Z', true, Z + 500, true],
    ['2026-11-03T08:15:02,123456Z', true, Z + 123, true],
    ['2026-11-03 08:15:02', false, Z, false], // no offset: the wall clock as if UTC
    ['2026-11-03 08:15:02', true, Number.NaN, false], // an offset is needed
    ['2026-11-03T08:15:02+01:60', true, Number.NaN, false],
    ['2026-11-03T08:15:02Zjunk', true, Number.NaN, false],
    ['2026-02-30T08:15:02Z', true, Number.NaN, true], // no such day
  ])('reads %s (offset needed: %s)', (t, needOffset, want, hadOffset) => {
    const { s, a, b } = framed(t);
    const state = { hadOffset: !hadOffset };
    expect(parseIsoWall(s, a, b, needOffset, state)).toBe(want);
    expect(state.hadOffset).toBe(hadOffset);
    const out = new Float64Array(2);
    const r = isoWallTo(s, a, b, needOffset, out, 1);
    expect(out[1]).toBe(want);
    expect(r).toBe(hadOffset ? sources.ISO_OFFSET : sources.ISO_NO_OFFSET);
  });

  it.each(['', '2026-11-03', '2026/11/03 08:15:02', '2026-11-03X08:15:02Z', '2026-11-03T08:15:02.Z'])(
    'gives NaN for %j before any zone designator, leaving the offset state as it was',
    (t) => {
      const { s, a, b } = framed(t);
      for (const before of [true, false]) {
        const state = { hadOffset: before };
        expect(parseIsoWall(s, a, b, false, state)).toBeNaN();
        expect(state.hadOffset).toBe(before);
      }
      const out = new Float64Array(1);
      expect(isoWallTo(s, a, b, true, out, 0)).toBe(sources.ISO_UNREAD);
      expect(out[0]).toBeNaN();
    },
  );

  it('gives the same as the plain form for any text', () => {
    const digit = fc.constantFrom(...'0123456789');
    const piece = fc.oneof(
      fc.stringMatching(/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}([.,]\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)?$/),
      fc.array(fc.oneof(digit, fc.constantFrom('-', ':', 'T', ' ', 'Z', '+', '.')), { maxLength: 30 }).map((c) => c.join('')),
    );
    fc.assert(
      fc.property(piece, fc.boolean(), (t, needOffset) => {
        const { s, a, b } = framed(t);
        const state = { hadOffset: false };
        const want = parseIsoWall(s, a, b, needOffset, state);
        const out = new Float64Array(1);
        const r = isoWallTo(s, a, b, needOffset, out, 0);
        expect(Object.is(out[0], want)).toBe(true);
        if (r !== sources.ISO_UNREAD) expect(r === sources.ISO_OFFSET).toBe(state.hadOffset);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseLayout and layoutTo', () => {
  const layout = compileLayout('DD/MM/YYYY HH:mm:ss.SSS');
  if (typeof layout === 'string') throw new Error(layout);
  it.each([
    ['03/11/2026 08:15:02.250', Date.UTC(2026, 10, 3, 8, 15, 2, 250)],
    ['03/11/2026 08:15:02.2', Date.UTC(2026, 10, 3, 8, 15, 2, 200)],
    ['31/11/2026 08:15:02.250', Number.NaN],
    ['03/11/2026 08:15:02', Number.NaN],
    ['03/11/2026 08:15:02.250 ', Number.NaN],
  ])('reads %s', (t, want) => {
    const { s, a, b } = framed(t);
    expect(parseLayout(s, a, b, layout)).toBe(want);
    const out = new Float64Array(1);
    layoutTo(s, a, b, layout, out, 0);
    expect(out[0]).toBe(want);
  });
});

describe('Zone.toUtc and toUtcAt', () => {
  it('converts Paris wall clocks across both changes of 2026, in place too', () => {
    const paris = new Zone('Europe/Paris');
    const wall = (mo: number, d: number, h: number, mi: number) => Date.UTC(2026, mo - 1, d, h, mi);
    const cases: [number, number][] = [
      [wall(1, 15, 10, 0), Date.UTC(2026, 0, 15, 9, 0)], // winter, +01:00
      [wall(7, 1, 12, 0), Date.UTC(2026, 6, 1, 10, 0)], // summer, +02:00
      [wall(3, 29, 2, 30), Date.UTC(2026, 2, 29, 1, 30)], // skipped hour: the offset before the change
      [wall(10, 25, 2, 30), Date.UTC(2026, 9, 25, 0, 30)], // repeated hour: its first occurrence
      [wall(10, 25, 3, 30), Date.UTC(2026, 9, 25, 2, 30)],
    ];
    const other = new Zone('Europe/Paris');
    const t = new Float64Array(2);
    for (const [local, utc] of cases)
      for (let twice = 0; twice < 2; twice++) {
        // Twice: the second read comes from the zone's cache of the last quarter hour.
        expect(paris.toUtc(local)).toBe(utc);
        t[1] = local;
        other.toUtcAt(t, 1);
        expect(t[1]).toBe(utc);
      }
  });
});
