// engine-order.ts: start order, late re-rating, versions that change only with the rating, alerts once.
import {
  type Alert,
  type Catalog,
  EngineIndex,
  EngineOrder,
  idKey,
  LOCATED,
  loadCatalog,
  newOutput,
  type Rating,
  rateCdr,
  startOrder,
  startsBefore,
} from '@ratel/rater';
import type { Cdr } from '@ratel/schemas';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountInput, contextOf, voice } from './helpers.js';

let catalog: Catalog;
beforeAll(() => {
  catalog = loadCatalog();
});

/** An index and an order over it, rating with the fr-start plan (100 distinct callees). */
function setup() {
  const ctx = contextOf(catalog, accountInput('acc-1', 'fr-start', ['u1']));
  const ix = new EngineIndex(ctx);
  const alerts: Alert[] = [];
  const order = new EngineOrder(ix, alerts, (cdr, month, state) => rateCdr(cdr, ctx, month, state, alerts));
  /** Locates and rates a CDR in order, as addAll does for an in-order one. */
  const inOrder = (cdr: Cdr, out = newOutput()) => {
    if (ix.locate(cdr, null) !== LOCATED || ix.atBucket === null) throw new Error('not located');
    const b = ix.atBucket;
    const r = rateCdr(cdr, ctx, ix.atMonth, b, alerts) as Rating;
    const row = ix.hold(b, cdr, idKey(cdr.id));
    ix.link(b, row, cdr);
    order.record(row, r, out, 1);
    order.flushAlerts(b, out);
    return { b, row, out };
  };
  return { ix, order, inOrder };
}

describe('EngineOrder', () => {
  it('orders by start, ties by id', () => {
    const a = voice('b', 'u1', '+33612345678', '2025-03-03T10:00:00Z', 60);
    const b = voice('a', 'u1', '+33612345678', '2025-03-03T10:00:00Z', 60);
    const c = voice('c', 'u1', '+33612345678', '2025-03-01T10:00:00Z', 60);
    expect([startsBefore(b, a), startsBefore(a, b), startsBefore(c, b)]).toEqual([true, false, true]);
    expect(startOrder([a, b, c])).toEqual([2, 1, 0]);
  });

  it('records version 1 once, and nothing again for the same rating', () => {
    const { ix, order, inOrder } = setup();
    const cdr = voice('c1', 'u1', '+33612345678', '2025-03-03T10:00:00Z', 60);
    const { row, out } = inOrder(cdr);
    expect(out.events.map((e) => [e.cdr_id, e.version, e.rated_at_ms])).toEqual([['c1', 1, 1]]);
    const again = newOutput();
    order.record(row, { ...(out.events[0] as Rating) }, again, 2);
    expect(again.events).toEqual([]);
    order.record(row, { ...(out.events[0] as Rating), cost_micros: 5 }, again, 3);
    expect(again.events.map((e) => e.version)).toEqual([2]);
    expect(ix.held.version[row]).toBe(2);
  });

  it('re-rates an account-month once for its late CDRs, emitting only what changed', () => {
    const { ix, order, inOrder } = setup();
    // 100 distinct callees fill the Start cap; a late call before them all takes a place in it.
    const callee = (k: number) => `+3361${String(k).padStart(7, '0')}`;
    let b = null;
    const minute = (k: number) => new Date(Date.parse('2025-03-10T10:00:00Z') + k * 60_000).toISOString();
    for (let k = 1; k <= 100; k++) b = inOrder(voice(`c${k}`, 'u1', callee(k), minute(k), 60)).b;
    if (b === null) throw new Error('no bucket');
    const late = voice('late', 'u1', callee(0), '2025-03-01T10:00:00Z', 60);
    const out = newOutput();
    order.startBatch();
    order.defer(b, 202503, late, undefined, 0);
    expect(order.hasLate(b)).toBe(true);
    expect(order.lateCdr(order.lateWith('late') ?? { bucket: b, k: -1 }).id).toBe('late');
    order.endBatch(out, 9);
    // The late call is new (version 1); the last call now falls beyond the cap (version 2).
    expect(out.events.map((e) => [e.cdr_id, e.version])).toEqual([
      ['late', 1],
      ['c100', 2],
    ]);
    expect(out.accepted.map((a) => a.cdr.id)).toEqual(['late']);
    expect(ix.held.rows).toBe(101);
    expect(order.hasLate(b)).toBe(false);
  });

  it('emits an alert once per key and account-month', () => {
    const { inOrder } = setup();
    const first = inOrder(voice('p1', 'u1', '0899123456', '2025-03-03T10:00:00Z', 60));
    const twice = inOrder(voice('p1b', 'u1', '0899123456', '2025-03-03T11:00:00Z', 60));
    expect(first.out.alerts.map((a) => a.cdr_id)).toEqual(['p1']);
    expect(twice.out.alerts.map((a) => a.cdr_id)).toEqual(['p1b']);
  });
});
