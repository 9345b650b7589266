// Numeric callee keys (rater/src/normalise.ts keyNumber) and the open-addressing set that holds
// them (rater/src/key-set.ts), checked against a plain Set of the key strings.
import { KeyIndex, KeySet, keyNumber } from '@ratel/rater';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const e164 = fc.stringMatching(/^[1-9]\d{6,14}$/);
const shortKey = fc.stringMatching(/^0[1-9]\d{0,2}\d{1,6}$/);
const key = fc.oneof(e164, shortKey);

describe('keyNumber', () => {
  it('is the value of E.164 digits, exactly', () => {
    expect(keyNumber('33612345678')).toBe(33_612_345_678);
    expect(keyNumber('999999999999999')).toBe(999_999_999_999_999);
  });

  it('puts short-code keys above every E.164 key', () => {
    expect(keyNumber('033112')).toBe(1e15 + 33_112);
    expect(keyNumber('0331')).toBeGreaterThan(keyNumber('999999999999999'));
  });

  it('gives distinct keys distinct numbers, all below 2^53', () => {
    fc.assert(
      fc.property(key, key, (a, b) => {
        const x = keyNumber(a);
        expect(Number.isSafeInteger(x)).toBe(true);
        expect(x === keyNumber(b)).toBe(a === b);
      }),
    );
  });
});

describe('KeySet', () => {
  it('behaves like a Set through growth', () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 400 }), fc.array(key, { maxLength: 50 }), (added, probes) => {
        const ks = new KeySet();
        const ref = new Set<string>();
        for (const k of added) {
          expect(ks.add(keyNumber(k))).toBe(!ref.has(k));
          ref.add(k);
        }
        expect(ks.size).toBe(ref.size);
        for (const k of [...added, ...probes]) expect(ks.has(keyNumber(k))).toBe(ref.has(k));
      }),
    );
  });

  it('holds keys whose low 32 bits collide', () => {
    const ks = new KeySet();
    const base = 4_294_967_296;
    for (let i = 1; i <= 100; i++) ks.add(i * base + 7);
    expect(ks.size).toBe(100);
    for (let i = 1; i <= 100; i++) expect(ks.has(i * base + 7)).toBe(true);
    expect(ks.has(101 * base + 7)).toBe(false);
  });
});

describe('KeyIndex', () => {
  it('behaves like a Map that keeps the first value of each key, through growth', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.nat(1_000_000)), { maxLength: 400 }), fc.array(key, { maxLength: 50 }), (added, probes) => {
        const ix = new KeyIndex();
        const ref = new Map<string, number>();
        for (const [k, v] of added) {
          expect(ix.add(keyNumber(k), v)).toBe(!ref.has(k));
          if (!ref.has(k)) ref.set(k, v);
        }
        expect(ix.size).toBe(ref.size);
        for (const k of [...added.map(([k]) => k), ...probes]) expect(ix.get(keyNumber(k))).toBe(ref.get(k) ?? -1);
      }),
    );
  });
});
