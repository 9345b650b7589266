// The compiled prefix trie (rater/src/trie.ts): longest prefix in force at the call's start,
// time bands, and the shared-buffer layout.
import { compileTrie, type DeckRow, Trie } from '@ratel/rater';
import { describe, expect, it } from 'vitest';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

function row(prefix: string, destination: string, over: Partial<DeckRow> = {}): DeckRow {
  return {
    prefix,
    destination,
    cls: 'fixed',
    country: 'FR',
    rateMicrosPerMin: 150_000,
    connectMicros: 0,
    minChargeMicros: 0,
    firstIncrement: 1,
    nextIncrement: 1,
    band: 'any',
    fromMs: day('2024-01-01'),
    toMs: Number.POSITIVE_INFINITY,
    ...over,
  };
}

const NOW = day('2025-03-03') + 10 * 3_600_000;
const dest = (t: Trie, key: string, at = NOW, band = 0) => {
  const r = t.lookup(key, at, band);
  return r < 0 ? null : t.destination(r);
};

describe('longest prefix', () => {
  const t = compileTrie([
    row('33', 'France'),
    row('336', 'France mobile', { cls: 'mobile' }),
    row('3361', 'France mobile 61', { cls: 'mobile', rateMicrosPerMin: 100_000 }),
    row('32', 'Belgium', { country: 'BE' }),
    row('324', 'Belgium mobile', { cls: 'mobile', country: 'BE' }),
    row('033112', 'Emergency', { cls: 'emergency', rateMicrosPerMin: 0 }),
  ]);

  it.each([
    ['33140000000', 'France'],
    ['33712345678', 'France'],
    ['33622222222', 'France mobile'],
    ['33611111111', 'France mobile 61'],
    ['33612345678', 'France mobile 61'],
    ['3361', 'France mobile 61'],
    ['336', 'France mobile'],
    ['33', 'France'],
    ['32470123456', 'Belgium mobile'],
    ['3221234567', 'Belgium'],
    ['033112', 'Emergency'],
  ])('%s -> %s', (key, want) => {
    expect(dest(t, key)).toBe(want);
  });

  it('returns -1 when no prefix matches', () => {
    expect(t.lookup('4930123456', NOW)).toBe(-1);
    expect(t.lookup('3', NOW)).toBe(-1);
    expect(t.lookup('', NOW)).toBe(-1);
    expect(t.lookup('03311', NOW)).toBe(-1);
  });

  it('stops at the first non-digit', () => {
    expect(dest(t, '33x612345678')).toBe('France');
    expect(dest(t, '336+1')).toBe('France mobile');
  });

  it('exposes the row fields', () => {
    const r = t.lookup('33611111111', NOW);
    expect(t.prefixOf(r)).toBe('3361');
    expect(t.classOf(r)).toBe('mobile');
    expect(t.countryOf(r)).toBe('FR');
    expect(t.rate(r)).toBe(100_000);
    expect(t.firstIncr(r)).toBe(1);
    expect(t.nextIncr(r)).toBe(1);
    expect(t.toMs(r)).toBe(Number.POSITIVE_INFINITY);
    const e = t.lookup('033112', NOW);
    expect(t.classOf(e)).toBe('emergency');
    expect(t.rowCount).toBe(6);
  });

  it('an empty deck matches nothing', () => {
    const empty = compileTrie([]);
    expect(empty.rowCount).toBe(0);
    expect(empty.lookup('33612345678', NOW)).toBe(-1);
  });

  it('rejects a non-digit prefix', () => {
    expect(() => compileTrie([row('+33', 'France')])).toThrow(RangeError);
    expect(() => compileTrie([row('3a', 'x')])).toThrow(/not all digits/);
  });
});

describe('effective dates (SPEC §3: the rate in force at call start)', () => {
  const t = compileTrie([
    // listed out of date order on purpose
    row('33', 'France 2025', { fromMs: day('2025-01-01'), rateMicrosPerMin: 160_000 }),
    row('33', 'France 2024', { fromMs: day('2024-01-01'), toMs: day('2025-01-01') }),
    row('336', 'France mobile from March', { fromMs: day('2025-03-01'), cls: 'mobile' }),
    row('337', 'France 7 until 2024-06', { fromMs: day('2024-01-01'), toMs: day('2024-06-01') }),
  ]);

  it('uses the version in force; effective_from inclusive, effective_to exclusive', () => {
    expect(dest(t, '33140000000', day('2024-12-31') + 86_399_999)).toBe('France 2024');
    expect(dest(t, '33140000000', day('2025-01-01'))).toBe('France 2025');
    expect(t.rate(t.lookup('33140000000', day('2025-01-01')))).toBe(160_000);
  });

  it('matches nothing before the first version', () => {
    expect(t.lookup('33140000000', day('2023-12-31'))).toBe(-1);
  });

  it('falls back to a shorter prefix while a longer one is not (or no longer) in force', () => {
    expect(dest(t, '33612345678', day('2025-02-28'))).toBe('France 2025');
    expect(dest(t, '33612345678', day('2025-03-01'))).toBe('France mobile from March');
    expect(dest(t, '33712345678', day('2024-05-31'))).toBe('France 7 until 2024-06');
    expect(dest(t, '33712345678', day('2024-06-01'))).toBe('France 2024');
  });
});

describe('time bands', () => {
  const PEAK = 1;
  const OFFPEAK = 2;
  const WEEKEND = 3;
  const t = compileTrie([
    row('44', 'UK any'),
    row('44', 'UK peak', { band: 'peak' }),
    row('447', 'UK mobile offpeak only', { band: 'offpeak' }),
  ]);

  it('a row of the call band beats the "any" row of the same prefix', () => {
    expect(dest(t, '4420', NOW, PEAK)).toBe('UK peak');
    expect(dest(t, '4420', NOW, WEEKEND)).toBe('UK any');
    expect(dest(t, '4420', NOW, 0)).toBe('UK any');
  });

  it('a band-only row does not match calls of other bands: the shorter prefix does', () => {
    expect(dest(t, '44712', NOW, OFFPEAK)).toBe('UK mobile offpeak only');
    expect(dest(t, '44712', NOW, PEAK)).toBe('UK peak');
    expect(dest(t, '44712', NOW, 0)).toBe('UK any');
    expect(t.data.hasBands).toBe(true);
    expect(compileTrie([row('44', 'x')]).data.hasBands).toBe(false);
  });
});

describe('layout', () => {
  it('grows past its initial node capacity (thousands of prefixes)', () => {
    const rows: DeckRow[] = [];
    for (let i = 0; i < 5000; i++) rows.push(row(`9${String(i).padStart(5, '0')}`, `d${i}`, { rateMicrosPerMin: i }));
    const t = compileTrie(rows);
    expect(t.nodeCount).toBeGreaterThan(5000);
    for (const i of [0, 1, 999, 1024, 2047, 4999]) {
      const r = t.lookup(`9${String(i).padStart(5, '0')}123`, NOW);
      expect(t.destination(r)).toBe(`d${i}`);
      expect(t.rate(r)).toBe(i);
    }
  });

  it('lives in one SharedArrayBuffer that another Trie view (a worker) reads identically', () => {
    const t = compileTrie([row('33', 'France'), row('336', 'Mobile', { cls: 'mobile', rateMicrosPerMin: 123_456 })]);
    expect(t.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(t.byteLength).toBe(t.data.buffer.byteLength);
    const copy = new Trie({ ...t.data, strings: [...t.data.strings] });
    const r = copy.lookup('33612345678', NOW);
    expect(copy.destination(r)).toBe('Mobile');
    expect(copy.rate(r)).toBe(123_456);
    expect(copy.classOf(r)).toBe('mobile');
    // a write through one view is seen by the other: same memory, not a copy
    t.setRow(r, row('336', 'Mobile', { cls: 'mobile', rateMicrosPerMin: 1 }), (x) => t.data.strings.indexOf(x));
    expect(copy.rate(r)).toBe(1);
  });
});
