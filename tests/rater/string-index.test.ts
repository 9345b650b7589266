// The string -> dense number index the engine finds accounts with (rater/src/string-index.ts),
// checked against a Map through growth, with strings chosen to share hashes and prefixes.
import { StringIndex } from '@ratel/rater';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('StringIndex', () => {
  it('numbers strings 0, 1, 2, ... in the order they are first added', () => {
    const ix = new StringIndex();
    expect(ix.add('acme')).toBe(0);
    expect(ix.add('globex')).toBe(1);
    expect(ix.add('acme')).toBe(0);
    expect(ix.get('globex')).toBe(1);
    expect(ix.get('initech')).toBe(-1);
    expect(ix.get('acm')).toBe(-1);
    expect(ix.get('acmee')).toBe(-1);
    expect(ix.get('')).toBe(-1);
    expect(ix.add('')).toBe(2);
    expect(ix.get('')).toBe(2);
    expect(ix.size).toBe(3);
    expect(ix.at(1)).toBe('globex');
  });

  it('keeps any UTF-16 string exactly, surrogates included', () => {
    const ix = new StringIndex();
    const ids = ['compte-é', '账户', '😀x', 'x😀', '\u0000', 'a\u0000b'];
    for (const [i, s] of ids.entries()) expect(ix.add(s)).toBe(i);
    ids.forEach((s, i) => {
      expect(ix.get(s)).toBe(i);
      expect(ix.at(i)).toBe(s);
    });
  });

  it('behaves like a Map of first-seen numbers through growth', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.stringMatching(/^a\d{1,6}$/)), { maxLength: 3000 }),
        fc.array(fc.string({ maxLength: 12 }), { maxLength: 100 }),
        (added, probes) => {
          const ix = new StringIndex();
          const ref = new Map<string, number>();
          for (const s of added) {
            if (!ref.has(s)) ref.set(s, ref.size);
            expect(ix.add(s)).toBe(ref.get(s));
          }
          expect(ix.size).toBe(ref.size);
          for (const s of [...added, ...probes]) expect(ix.get(s)).toBe(ref.get(s) ?? -1);
          for (const [s, n] of ref) expect(ix.at(n)).toBe(s);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('finds 200,000 account-like ids after many rehashes', () => {
    const ix = new StringIndex();
    for (let i = 0; i < 200_000; i++) expect(ix.add(`a${i}`)).toBe(i);
    for (let i = 0; i < 200_000; i += 997) expect(ix.get(`a${i}`)).toBe(i);
    expect(ix.get('a200000')).toBe(-1);
  });
});
