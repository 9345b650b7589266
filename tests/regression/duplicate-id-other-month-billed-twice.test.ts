/**
 * Finding: the same CDR id in another month was billed twice, and 18.16's FINAL across monthly
 * partitions then hid one of the rows (the key had no month), so the two engines disagreed.
 * Now the engine refuses the second as a CDR_CONFLICT, and rows of one id in two months (from an
 * older store) are two rows on both engines: the month is part of rated_events' key.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSchema, monthTotals, openChdbStore, type Store, writeRated } from '@ratel/aggregator';
import { newOutput, RatingEngine } from '@ratel/rater';
import type { RatedEvent } from '@ratel/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { voice } from '../rater/helpers.js';
import { newServerStore } from '../services.js';
import { ctx, good, now } from './cdr-helpers.js';

describe('regression: duplicate id in another month billed twice', () => {
  it('the engine dead-letters the second month’s copy as a conflict', () => {
    const out = newOutput();
    const engine = new RatingEngine(ctx, now);
    engine.addAll([good('same', 30)], out);
    engine.addAll([voice('same', 'u1', '+33612345678', '2026-11-02T10:00:00', 60)], out);
    expect(out.events.map((e) => [e.cdr_id, e.month])).toEqual([['same', 202610]]);
    expect(out.dead.map((d) => [d.cdr_id, d.code])).toEqual([['same', 'CDR_CONFLICT']]);
  });
});

const db = `ratel_reg_${process.pid}_${Date.now()}`;
const serverStore = (): Promise<Store> => newServerStore(db);
const engines: [string, () => Promise<Store>][] = [
  ['chdb', async () => openChdbStore(mkdtempSync(join(tmpdir(), 'ratel-reg-chdb-')))],
  ['server', serverStore],
];

const row = (month: number, cost: number): RatedEvent => ({
  cdr_id: 'same',
  version: 1,
  account_id: 'acc-1',
  user_id: 'u1',
  plan_id: 'fr-start',
  kind: 'VOICE',
  direction: 'OUTBOUND',
  start_ms: Date.UTC(Math.floor(month / 100), (month % 100) - 1, 2),
  month,
  counterpart: '34612345678',
  prefix: '346',
  destination: 'Spain mobile',
  dest_class: 'mobile',
  quantity: 60,
  included_qty: 0,
  billed_qty: 60,
  cost_micros: cost,
  currency: 'EUR',
  reasons: ['NOT_IN_PACK'],
  roaming_country: '',
  rated_at_ms: 1,
});

describe.each(engines)('regression: reads spanning months on %s', (_name, open) => {
  let store: Store;
  beforeAll(async () => {
    store = await open();
    await createSchema(store);
  });
  afterAll(async () => {
    if (!store) return;
    if (store.engine === 'server') await store.exec(`DROP DATABASE IF EXISTS ${db}`);
    await store.close();
  });

  it('one id in two months is two rows through FINAL, and each month totals its own', async () => {
    await writeRated(store, [row(202610, 100_000), row(202611, 200_000)]);
    const [n] = await store.query<{ n: number }>(`SELECT count() AS n FROM rated_events FINAL WHERE cdr_id = 'same'`);
    expect(Number(n?.n)).toBe(2);
    const oct = await monthTotals(store, 202610);
    const nov = await monthTotals(store, 202611);
    expect(oct.reduce((s, t) => s + t.cost_micros, 0)).toBe(100_000);
    expect(nov.reduce((s, t) => s + t.cost_micros, 0)).toBe(200_000);
  });
});
