// engine-index.ts: where a CDR's account-month is, and whether its id is held.
import { type Catalog, EngineIndex, idKey, LOCATED, loadCatalog, REFUSED_MONTH, UNKNOWN_ACCOUNT } from '@ratel/rater';
import type { Cdr } from '@ratel/schemas';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountInput, contextOf, voice } from './helpers.js';

let catalog: Catalog;
beforeAll(() => {
  catalog = loadCatalog();
});

const index = () => new EngineIndex(contextOf(catalog, accountInput('acc-1', 'fr-pro', ['u1'])));

describe('EngineIndex', () => {
  it('idKey: equal ids, equal keys, in [1, 2^52)', () => {
    expect(idKey('c1')).toBe(idKey('c1'));
    expect(idKey('c1')).not.toBe(idKey('c2'));
    for (const id of ['', 'x', 'a'.repeat(300)]) {
      expect(idKey(id)).toBeGreaterThanOrEqual(1);
      expect(idKey(id)).toBeLessThan(2 ** 52);
    }
  });

  it('locates a CDR in its account-month, one bucket per month, and keeps the cursor on it', () => {
    const ix = index();
    expect(ix.locate(voice('a', 'u1', '+33612345678', '2025-03-03T10:00:00Z', 60), null)).toBe(LOCATED);
    const march = ix.atBucket;
    expect([ix.atMonth, ix.buckets, ix.latest]).toEqual([202503, 1, 202503]);
    expect(ix.atResolved?.plan.id).toBe('fr-pro');
    ix.locate(voice('b', 'u1', '+33612345678', '2025-03-20T10:00:00Z', 60), null);
    expect(ix.atBucket).toBe(march);
    ix.locate(voice('c', 'u1', '+33612345678', '2025-04-02T10:00:00Z', 60), null);
    expect([ix.atMonth, ix.buckets, ix.latest]).toEqual([202504, 2, 202504]);
    expect(ix.holds('acc-1', 202503) && ix.holds('acc-1', 202504)).toBe(true);
  });

  it('says an unknown account, and a refused month with its number, making no bucket', () => {
    const ix = index();
    expect(ix.locate(voice('a', 'u1', '+33612345678', '2025-03-03T10:00:00Z', 60, { account: 'nobody' }), null)).toBe(UNKNOWN_ACCOUNT);
    expect(ix.locate(voice('b', 'u1', '+33612345678', '2025-03-03T10:00:00Z', 60), new Map([[202503, 'v0']]))).toBe(REFUSED_MONTH);
    expect([ix.atMonth, ix.buckets]).toEqual([202503, 0]);
    expect(ix.missingMonth(voice('b', 'u1', '+33612345678', '2025-03-03T10:00:00Z', 60))).toBe(202503);
  });

  it('finds held rows by id, in order, and still after an eviction compacts the store', () => {
    const ix = index();
    const cdrs = ['2025-02-27T10:00:00Z', '2025-03-03T10:00:00Z', '2025-03-04T10:00:00Z'].map((t, i) =>
      voice(`c${i}`, 'u1', '+33612345678', t, 60),
    );
    for (const c of cdrs) {
      expect(ix.locate(c, null)).toBe(LOCATED);
      const b = ix.atBucket;
      if (b === null) throw new Error('no bucket');
      expect(ix.inOrder(b, c)).toBe(true);
      ix.link(b, ix.hold(b, c, idKey(c.id)), c);
      expect(ix.inOrder(b, c)).toBe(false);
    }
    ix.locate(cdrs[2] as Cdr, null);
    const march = ix.atBucket;
    if (march === null) throw new Error('no bucket');
    expect(ix.held.id(ix.heldRowOf(march, 'c1', idKey('c1')))).toBe('c1');
    expect(ix.heldRowOf(march, 'c9', idKey('c9'))).toBe(-1);
    expect(ix.evictBefore(202503)).toBe(1);
    expect([ix.buckets, ix.holds('acc-1', 202502), ix.held.rows]).toEqual([1, false, 2]);
    expect(ix.held.id(ix.heldRowOf(march, 'c2', idKey('c2')))).toBe('c2');
    expect(ix.heldRowOf(march, 'c0', idKey('c0'))).toBe(-1);
  });
});
