// Exact money (schemas/src/money.ts): integer micros, no binary fractions.
import { ceilDiv, floorDiv, formatMoney, MICROS_PER_CENT, MICROS_PER_UNIT, mulDivRound, parseMoney, roundUpToCent } from '@ratel/schemas';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const SAFE = Number.MAX_SAFE_INTEGER;

describe('constants', () => {
  it('1 EUR = 1,000,000 micros, 1 cent = 10,000', () => {
    expect(MICROS_PER_UNIT).toBe(1_000_000);
    expect(MICROS_PER_CENT).toBe(10_000);
  });
});

describe('ceilDiv / floorDiv', () => {
  it.each([
    [0, 7, 0, 0],
    [1, 7, 1, 0],
    [7, 7, 1, 1],
    [8, 7, 2, 1],
    [150_000 * 61, 60, 152_500, 152_500],
    [SAFE, 2, 4503599627370496, 4503599627370495],
  ])('%i / %i: ceil %i, floor %i', (a, b, c, f) => {
    expect(ceilDiv(a, b)).toBe(c);
    expect(floorDiv(a, b)).toBe(f);
  });

  it('agree with BigInt division on the whole safe range', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.integer({ min: 1, max: SAFE }), (a, b) => {
        const q = BigInt(a) / BigInt(b);
        const r = BigInt(a) % BigInt(b);
        expect(BigInt(floorDiv(a, b))).toBe(q);
        expect(BigInt(ceilDiv(a, b))).toBe(r === 0n ? q : q + 1n);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('roundUpToCent (seed 002: "arrondi au cent supérieur")', () => {
  it.each([
    [0, 0],
    [1, 10_000],
    [2_500, 10_000], // 0.0025 EUR -> 0.01
    [10_000, 10_000],
    [10_001, 20_000],
    [2_250_000, 2_250_000],
    [904_833, 910_000], // 0.904833 -> 0.91
  ])('%i -> %i', (m, want) => {
    expect(roundUpToCent(m)).toBe(want);
  });

  it('is the smallest whole cent >= the amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 15 }), (m) => {
        const r = roundUpToCent(m);
        expect(r % MICROS_PER_CENT).toBe(0);
        expect(r).toBeGreaterThanOrEqual(m);
        expect(r - m).toBeLessThan(MICROS_PER_CENT);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('mulDivRound (a * b / c, half up)', () => {
  const ref = (a: number, b: number, c: number) => (2n * BigInt(a) * BigInt(b) + BigInt(c)) / (2n * BigInt(c));

  it.each([
    [10, 1, 4, 3], // 2.5 -> 3
    [9, 1, 4, 2], // 2.25 -> 2
    [11, 1, 4, 3], // 2.75 -> 3
    [19_900_000, 15, 31, 9_629_032], // 19.90 EUR * 15/31 days = 9.629032258 EUR
    [100_000_000, 2000, 10_000, 20_000_000], // 20 % VAT of 100 EUR
  ])('%i * %i / %i = %i', (a, b, c, want) => {
    expect(mulDivRound(a, b, c)).toBe(want);
  });

  it('is exact when a * b overflows 2^53 (BigInt path)', () => {
    // 9e15 * 3 / 7 = 3857142857142857.14... -> 3857142857142857
    expect(mulDivRound(9_000_000_000_000_000, 3, 7)).toBe(Number(ref(9_000_000_000_000_000, 3, 7)));
  });

  it('agrees with BigInt while a * b < 2^52 (any divisor)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 ** 9 }),
        fc.integer({ min: 0, max: 4_000_000 }),
        fc.integer({ min: 1, max: 10 ** 8 }),
        (a, b, c) => {
          expect(BigInt(mulDivRound(a, b, c))).toBe(ref(a, b, c));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('agrees with BigInt for large amounts and an even divisor (how aggregator/src/invoice.ts calls it)', () => {
    // VAT: totalExcl * bp / (10_000 * 10_000); proration: monthly * days / (dim * 10_000)
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 ** 13 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 10 ** 8 }),
        (a, b, half) => {
          fc.pre(ref(a, b, 2 * half) <= BigInt(SAFE)); // the result itself must be a safe integer
          expect(BigInt(mulDivRound(a, b, 2 * half))).toBe(ref(a, b, 2 * half));
        },
      ),
      { numRuns: 2000 },
    );
  });

  // The doc promises exactness, but only a * b is checked for safety: when a * b is a safe
  // integer above 2^52, 2 * a * b + c is not, and the float rounding can add one unit.
  // e.g. a = 2^52 + 1, b = 1, c = 1: a * b / c = 4503599627370497 exactly, returned ...498.
  it('is exact when a * b is safe but 2 * a * b + c is not (regression)', () => {
    expect(mulDivRound(4_503_599_627_370_497, 1, 1)).toBe(4_503_599_627_370_497);
  });

  it('agrees with BigInt for amounts up to 10^12 micros and odd divisors (regression)', () => {
    // 937031408341 * 7391 / 1 = 6925599139048331 exactly; mulDivRound returns ...332
    expect(mulDivRound(937_031_408_341, 7391, 1)).toBe(Number(ref(937_031_408_341, 7391, 1)));
  });
});

describe('parseMoney', () => {
  it.each([
    ['0', 0],
    ['0.15', 150_000],
    ['0.89', 890_000],
    ['19.90', 19_900_000],
    ['199', 199_000_000],
    ['0.000001', 1],
    ['1.5', 1_500_000],
    [' 2.25 ', 2_250_000],
    ['-0.50', -500_000],
    ['007.10', 7_100_000],
    ['9007199254.740991', SAFE],
  ])('%j -> %i micros', (text, micros) => {
    expect(parseMoney(text)).toBe(micros);
  });

  it.each(['', 'abc', '1.', '.5', '1,50', '1.0000001', '1e3', '+1', '0x10', '1.2.3', '9007199254.740992', 'NaN'])('rejects %j', (text) => {
    expect(() => parseMoney(text)).toThrow(RangeError);
  });

  it('never goes through binary floats (0.1 + 0.2 is exactly 0.3)', () => {
    expect(parseMoney('0.1') + parseMoney('0.2')).toBe(parseMoney('0.3'));
  });
});

describe('formatMoney', () => {
  it.each([
    [0, 2, '0.00'],
    [150_000, 2, '0.15'],
    [2_250_000, 2, '2.25'],
    [19_900_000, 2, '19.90'],
    [4_999, 2, '0.00'],
    [5_000, 2, '0.01'], // half up
    [904_833, 2, '0.90'],
    [905_000, 2, '0.91'],
    [1_234_567, 6, '1.234567'],
    [1_234_567, 3, '1.235'],
    [1_500_000, 0, '2'],
    [-2_250_000, 2, '-2.25'],
    [-4_000, 2, '0.00'], // no "-0.00"
    [123_456_789_000_000, 2, '123456789.00'],
  ])('%i micros with %i decimals -> %s', (m, d, want) => {
    expect(formatMoney(m, d)).toBe(want);
  });

  it('defaults to 2 decimals', () => {
    expect(formatMoney(890_000)).toBe('0.89');
  });

  it('parseMoney(formatMoney(x, 6)) = x', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(10 ** 15), max: 10 ** 15 }), (m) => {
        expect(parseMoney(formatMoney(m, 6))).toBe(m);
      }),
      { numRuns: 1000 },
    );
  });

  it('formatMoney(x, 2) is x rounded half up to the cent', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 15 }), (m) => {
        const cents = floorDiv(m + 5_000, 10_000);
        expect(parseMoney(formatMoney(m))).toBe(cents * 10_000);
      }),
      { numRuns: 1000 },
    );
  });
});
