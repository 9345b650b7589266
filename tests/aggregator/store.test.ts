/** The store on both engines: same DDL, same queries, same answers (chDB and the ClickHouse server). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRowsEncoder,
  createSchema,
  dropMonthsBefore,
  financeSummary,
  flagRoamingAbuse,
  loadHistory,
  monthSummary,
  monthTotals,
  openChdbStore,
  openServerStore,
  purgeDeactivated,
  readInvoice,
  roamingAbuse,
  runInvoices,
  type Store,
  summaryText,
  writeCdrs,
  writeRated,
} from '@ratel/aggregator';
import { type AccountInput, accountBook, loadCatalog } from '@ratel/rater';
import { type RatedEvent, voiceCdr } from '@ratel/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountInput } from '../rater/helpers.js';
import { newServerStore } from '../services.js';

const catalog = loadCatalog();
const INPUTS: AccountInput[] = [
  accountInput('A1', 'fr-start', ['A1-u1'], { name: 'Alpha', activated: '2026-09-17', options: ['call-recording'] }),
  accountInput('B1', 'be-unlimited-fixed', ['B1-u1', 'B1-u2'], { name: 'Beta' }),
];
const accounts = accountBook(INPUTS, catalog);

const ev = (over: Partial<RatedEvent>): RatedEvent => ({
  cdr_id: 'c1',
  version: 1,
  account_id: 'A1',
  user_id: 'A1-u1',
  plan_id: 'fr-start',
  kind: 'VOICE',
  direction: 'OUTBOUND',
  start_ms: Date.parse('2026-09-20T10:00:00Z'),
  month: 202609,
  counterpart: '33612345678',
  prefix: '336',
  destination: 'France mobile',
  dest_class: 'mobile',
  quantity: 60,
  included_qty: 0,
  billed_qty: 60,
  cost_micros: 150_000,
  currency: 'EUR',
  reasons: ['NOT_IN_PACK'],
  roaming_country: '',
  rated_at_ms: 1,
  ...over,
});

const db = `ratel_test_${process.pid}_${Date.now()}`;

const serverStore = (): Promise<Store> => newServerStore(db);

const engines: [string, () => Promise<Store>][] = [
  ['chdb', async () => openChdbStore(mkdtempSync(join(tmpdir(), 'ratel-chdb-')))],
  ['server', serverStore],
];

describe.each(engines)('store on %s', (name, open) => {
  let store: Store;
  beforeAll(async () => {
    store = await open();
    await createSchema(store);
    await createSchema(store); // idempotent
  });
  afterAll(async () => {
    if (!store) return;
    if (store.engine === 'server') await store.exec(`DROP DATABASE IF EXISTS ${db}`);
    await store.close();
    if (store.engine === 'chdb') rmSync(store.where, { recursive: true, force: true });
  });

  it('reports its engine', () => {
    expect(store.engine).toBe(name);
  });

  it('counts only the highest version of a CDR, before any merge', async () => {
    await writeRated(store, [ev({ cdr_id: 'v', version: 1, cost_micros: 150_000 })]);
    await writeRated(store, [ev({ cdr_id: 'v', version: 2, cost_micros: 160_000 })]);
    await writeRated(store, [ev({ cdr_id: 'v', version: 2, cost_micros: 160_000 })]); // replayed insert
    const totals = await monthTotals(store, 202609);
    const a1 = totals.filter((t) => t.account_id === 'A1');
    expect(a1).toHaveLength(1);
    expect(a1[0]).toMatchObject({ records: 1, cost_micros: 160_000, quantity: 60, billed_qty: 60 });
    expect(typeof a1[0]?.cost_micros).toBe('number');
  });

  it('counts the highest version once when one insert brings several versions of a CDR', async () => {
    const sep = Date.parse('2019-01-10T10:00:00Z');
    const rows = [
      ev({ cdr_id: 'w', account_id: 'W1', month: 201901, start_ms: sep, version: 1, cost_micros: 150_000 }),
      ev({ cdr_id: 'w', account_id: 'W1', month: 201901, start_ms: sep, version: 3, cost_micros: 170_000 }),
      ev({ cdr_id: 'w', account_id: 'W1', month: 201901, start_ms: sep, version: 2, cost_micros: 160_000 }),
    ];
    await store.insertEncoded('rated_events', [store.encode('rated_events', rows)]);
    const w1 = (await monthTotals(store, 201901)).filter((t) => t.account_id === 'W1');
    expect(w1).toHaveLength(1);
    expect(w1[0]).toMatchObject({ records: 1, cost_micros: 170_000 });
    // chDB leaves the block as inserted (optimize_on_insert = 0 for the rating tables): FINAL collapses it.
    const [all] = await store.query<{ n: number }>(`SELECT count() AS n FROM rated_events WHERE account_id = 'W1'`);
    if (store.engine === 'chdb') expect(Number(all?.n)).toBe(3);
    await store.exec(`ALTER TABLE rated_events DROP PARTITION 201901`);
  });

  it('round-trips strings with quotes and Int64 money beyond 2^32', async () => {
    await writeRated(store, [
      ev({
        cdr_id: "o'brien\\x",
        account_id: 'B1',
        user_id: 'B1-u1',
        plan_id: 'be-unlimited-fixed',
        cost_micros: 5_000_000_000,
        dest_class: 'fixed',
      }),
    ]);
    const [row] = await store.query<{ cdr_id: string; cost_micros: number }>(
      `SELECT cdr_id, cost_micros FROM rated_events FINAL WHERE account_id = 'B1'`,
    );
    expect(row).toEqual({ cdr_id: "o'brien\\x", cost_micros: 5_000_000_000 });
    const s = await monthSummary(store, 202609);
    expect(s).toMatchObject({ accounts: 2, users: 2, records: 2, cost_micros: 5_000_160_000 });
  });

  it('stores every column as given: UTF-8, several reasons, negative and large Int64 (RowBinary on the server)', async () => {
    const row = ev({
      cdr_id: 'utf8-é',
      account_id: 'Z9',
      destination: 'Réunion – mobile',
      counterpart: `+262${'9'.repeat(140)}`, // longer than 127 bytes: a two-byte length
      reasons: ['NOT_IN_PACK', 'OVER_ONE_HOUR'],
      start_ms: -1,
      cost_micros: Number.MAX_SAFE_INTEGER,
      month: 202001,
    });
    await writeRated(store, [row]);
    const [back] = await store.query<RatedEvent>(`SELECT * FROM rated_events WHERE account_id = 'Z9'`);
    expect(back).toEqual(row);
    await store.exec(`ALTER TABLE rated_events DROP PARTITION 202001`);
  });

  it('stores hostile strings as given in every rating table (TabSeparated on chDB, RowBinary on the server)', async () => {
    const nasty = 'tab\there\nnew\r\\back\\slash \'quote\' "dq" \0nul \b\f [a,b] é 😀 \u2028';
    const row = ev({
      cdr_id: `h-${nasty}`,
      account_id: 'Z7',
      user_id: nasty,
      destination: nasty,
      counterpart: '\\N', // TabSeparated's NULL marker, as text
      reasons: [nasty, "it's", '', 'a,b', ']', '\\'],
      month: 202003,
    });
    const alert = { kind: 'FAIR_USE', account_id: 'Z7', user_id: nasty, cdr_id: 'h', month: 202003, at_ms: -5, detail: nasty };
    const cdr = {
      ...voiceCdr({ id: `h-${nasty}`, account: 'Z7', user: nasty, start: '2020-03-04T05:06:07Z', callee: '+33612345678', seconds: 9 }),
    };
    const parts = createRowsEncoder({ engine: store.engine })({
      accepted: [{ cdr, month: 202003 }],
      events: [row],
      alerts: [alert as never],
    });
    for (const p of parts) await store.insertEncoded(p.table, [p]);
    const [back] = await store.query<RatedEvent>(`SELECT * FROM rated_events WHERE account_id = 'Z7'`);
    expect(back).toEqual(row);
    const [a] = await store.query<Record<string, unknown>>(`SELECT * FROM alerts WHERE account_id = 'Z7'`);
    expect(a).toEqual(alert);
    const [h] = await loadHistory(store, [{ account_id: 'Z7', month: 202003 }]);
    expect(h?.cdrs).toEqual([cdr]);
    expect(h?.ratings.get(row.cdr_id)?.reasons).toEqual(row.reasons);
    for (const t of ['rated_events', 'alerts', 'cdrs']) await store.exec(`ALTER TABLE ${t} DROP PARTITION 202003`);
  });

  it('inserts parts encoded apart in one statement, empty parts skipped', async () => {
    const a = store.encode('rated_events', [ev({ cdr_id: 'p1', account_id: 'Z8', month: 202002 })]);
    const none = store.encode('rated_events', []);
    const b = store.encode('rated_events', [
      ev({ cdr_id: 'p2', account_id: 'Z8', month: 202002 }),
      ev({ cdr_id: 'p3', account_id: 'Z8', month: 202002 }),
    ]);
    expect([a.rows, none.rows, b.rows, a.format]).toEqual([1, 0, 2, store.engine === 'server' ? 'RowBinary' : 'TabSeparated']);
    await store.insertEncoded('rated_events', [a, none, b]);
    await store.insertEncoded('rated_events', [none]);
    const back = await store.query<{ cdr_id: string }>(`SELECT cdr_id FROM rated_events WHERE account_id = 'Z8' ORDER BY cdr_id`);
    expect(back.map((r) => r.cdr_id)).toEqual(['p1', 'p2', 'p3']);
    await store.exec(`ALTER TABLE rated_events DROP PARTITION 202002`);
  });

  it('issues invoices once: a second run changes nothing', async () => {
    const first = await runInvoices(store, catalog, accounts, 202609, () => 1_000);
    expect(first.issued.map((i) => i.account_id)).toEqual(['A1', 'B1']);
    const a1 = first.issued[0];
    // Start activated on 17 Sept, invoiced at the end of September (SPEC §5, seed 002):
    //   plan Sept prorata 14/30: 19.90 * 14/30 = 9.2866.. -> 9.29; plan Oct in advance 19.90;
    //   option Sept 10 * 14/30 = 4.666.. -> 4.67; option Oct 10.00; usage 0.16.
    //   Total 44.02, VAT 20% = 8.804 -> 8.80, incl. 52.82.
    expect(a1?.lines.map((l) => [l.section, l.period, l.amount_micros])).toEqual([
      ['recurring', 202609, 9_290_000],
      ['recurring', 202610, 19_900_000],
      ['option', 202609, 4_670_000],
      ['option', 202610, 10_000_000],
      ['usage', 202609, 160_000],
    ]);
    expect(a1).toMatchObject({ total_excl_micros: 44_020_000, vat_micros: 8_800_000, total_incl_micros: 52_820_000 });
    await writeRated(store, [ev({ cdr_id: 'late', cost_micros: 990_000, rated_at_ms: 5_000 })]);
    const second = await runInvoices(store, catalog, accounts, 202609, () => 2_000);
    expect(second.issued).toHaveLength(0);
    expect(second.alreadyIssued).toBe(2);
    const stored = await readInvoice(store, 'A1', 202609);
    expect(stored?.total_incl_micros).toBe(52_820_000);
    expect(stored?.lines.map((l) => l.amount_micros)).toEqual([9_290_000, 19_900_000, 4_670_000, 10_000_000, 160_000]);
  });

  it('bills late usage of an invoiced month as an adjustment on the next invoice', async () => {
    const oct = await runInvoices(store, catalog, accounts, 202610, () => 9_000);
    const a1 = oct.issued.find((i) => i.account_id === 'A1');
    // Nov in advance 19.90 + option 10.00 + the late September call 0.99 = 30.89;
    // VAT 20% = 6.178 -> 6.18; incl. 37.07.
    expect(a1?.lines.map((l) => [l.section, l.period, l.quantity, l.amount_micros])).toEqual([
      ['recurring', 202611, 30, 19_900_000],
      ['option', 202611, 30, 10_000_000],
      ['adjustment', 202609, 1, 990_000],
    ]);
    expect(a1).toMatchObject({ total_excl_micros: 30_890_000, vat_micros: 6_180_000, total_incl_micros: 37_070_000 });
    // The adjustment counts as billed for September: the next month has nothing left to adjust.
    const nov = await runInvoices(store, catalog, accounts, 202611, () => 10_000);
    expect(nov.issued.find((i) => i.account_id === 'A1')?.lines.filter((l) => l.section === 'adjustment')).toEqual([]);
  });

  it('finance views answer the month summary', async () => {
    const sum = await financeSummary(store, 202609);
    // rows of 202609: A1 'v' (v2, 0.16) and 'late' (0.99), B1 o'brien (5000.00)
    expect(sum.usage).toEqual({ accounts: 2, users: 2, records: 3, cost_micros: 5_001_150_000 });
    expect(sum.byPlan).toEqual([
      { plan_id: 'be-unlimited-fixed', records: 1, revenue_micros: 5_000_000_000 },
      { plan_id: 'fr-start', records: 2, revenue_micros: 1_150_000 },
    ]);
    expect(sum.topDestinations[0]).toMatchObject({ dest_class: 'fixed', calls: 1, revenue_micros: 5_000_000_000 });
    expect(sum.late).toEqual({ records: 1, cost_micros: 990_000 });
    const usage = sum.invoiced.find((i) => i.section === 'usage');
    expect(usage?.amount_micros).toBe(5_000_160_000); // invoiced before the late call arrived
    expect(summaryText(sum)).toContain('late usage after invoicing: 1 records, 0.99');
  });

  it('archives CDRs and loads an account-month history back (regression: archive format)', async () => {
    const cdr = {
      id: 'arch-1',
      kind: 'VOICE' as const,
      account_id: 'A1',
      user_id: 'A1-u1',
      start_ms: Date.parse('2026-09-21T08:00:00Z'),
      roaming_country: null,
      voice: {
        sip_call_id: 's',
        trunk_id: 't',
        caller: '+33100000000',
        callee: '+33612345678',
        forwarded_from: null,
        direction: 'OUTBOUND' as const,
        answer_ms: null,
        end_ms: Date.parse('2026-09-21T08:01:00Z'),
        duration_s: 60,
        billable_s: 60,
        disposition: 'ANSWERED' as const,
        sip_status: 200,
      },
      message: null,
      data: null,
      event: null,
    };
    await writeCdrs(store, [{ cdr, month: 202609 }]);
    const [h] = await loadHistory(store, [{ account_id: 'A1', month: 202609 }]);
    expect(h?.cdrs).toEqual([cdr]);
    expect(h?.ratings.get('v')).toMatchObject({ version: 2, cost_micros: 160_000 });
  });

  it('deletes the usage data of accounts deactivated more than 90 days ago, keeps invoices (SPEC §7)', async () => {
    const book = accountBook(
      INPUTS.map((a) => ({ ...a, deactivated: a.id === 'A1' ? '2026-09-30' : null })),
      catalog,
    );
    // 30 Sept + 90 days = 29 Dec: nothing is deleted on 28 Dec, A1's usage is on 30 Dec.
    expect(await purgeDeactivated(store, book, '2026-12-28')).toEqual([]);
    expect(await purgeDeactivated(store, book, '2026-12-30')).toEqual(['A1']);
    const left = await store.query<{ account_id: string }>(`SELECT DISTINCT account_id FROM rated_events`);
    expect(left.map((r) => r.account_id)).toEqual(['B1']);
    expect((await store.query(`SELECT account_id FROM cdrs WHERE account_id = 'A1'`)).length).toBe(0);
    expect((await readInvoice(store, 'A1', 202609))?.total_incl_micros).toBe(52_820_000);
  });

  it('drops expired monthly partitions (retention without TTL)', async () => {
    await writeRated(store, [ev({ cdr_id: 'old', month: 202501, start_ms: Date.parse('2025-01-10T10:00:00Z') })]);
    expect((await monthTotals(store, 202501)).length).toBe(1);
    const dropped = await dropMonthsBefore(store, 202601);
    expect(dropped).toEqual([202501]);
    expect((await monthTotals(store, 202501)).length).toBe(0);
    expect((await monthTotals(store, 202609)).length).toBeGreaterThan(0);
  });

  it('flags three consecutive months of more EU roaming than home usage (SPEC §4, §6), read through FINAL', async () => {
    const day = (m: number) => Date.parse(`${String(m).slice(0, 4)}-${String(m).slice(4)}-10T10:00:00Z`);
    let n = 0;
    const use = (user: string, m: number, kind: string, quantity: number, reasons: string[], over: Partial<RatedEvent> = {}) =>
      ev({
        cdr_id: `r${n++}`,
        account_id: 'R1',
        user_id: user,
        plan_id: 'be-mobile-unlimited',
        kind,
        month: m,
        start_ms: day(m),
        quantity,
        reasons,
        ...over,
      });
    const EU = ['IN_PACK', 'ROAMING_EU'];
    const HOME = ['IN_PACK'];
    const rows: RatedEvent[] = [];
    for (const m of [202607, 202608, 202609]) {
      rows.push(use('R1-u1', m, 'VOICE', 600, EU), use('R1-u1', m, 'VOICE', 300, HOME)); // u1 voice: EU 600 > home 300
      rows.push(use('R1-u2', m, 'VOICE', 600, EU), use('R1-u2', m, 'VOICE', m === 202608 ? 900 : 300, HOME)); // u2: not in 202608
    }
    // u1 data: EU > home in 202608 and 202609 only
    rows.push(use('R1-u1', 202607, 'DATA', 10, EU), use('R1-u1', 202607, 'DATA', 50, HOME));
    rows.push(use('R1-u1', 202608, 'DATA', 50, EU), use('R1-u1', 202609, 'DATA', 50, EU));
    // roaming outside the EU is neither side: 5,000 s of it would otherwise outweigh u1's EU voice
    rows.push(use('R1-u1', 202607, 'VOICE', 5000, ['NOT_IN_PACK', 'ROAMING_OUTSIDE_EU']));
    // a home call re-rated from 1,000 s to 300 s: only the latest version counts (FINAL)
    rows.push(use('R1-u3', 202607, 'VOICE', 600, EU), use('R1-u3', 202608, 'VOICE', 600, EU), use('R1-u3', 202609, 'VOICE', 600, EU));
    rows.push(use('R1-u3', 202609, 'VOICE', 1000, HOME, { cdr_id: 'r-rerated', version: 1 }));
    await writeRated(store, rows);
    await writeRated(store, [use('R1-u3', 202609, 'VOICE', 300, HOME, { cdr_id: 'r-rerated', version: 2 })]);

    const found = await roamingAbuse(store, 202609);
    expect(found).toEqual([
      { account_id: 'R1', user_id: 'R1-u1', kind: 'VOICE', months: [202607, 202608, 202609], eu: [600, 600, 600], home: [300, 300, 300] },
      { account_id: 'R1', user_id: 'R1-u3', kind: 'VOICE', months: [202607, 202608, 202609], eu: [600, 600, 600], home: [0, 0, 300] },
    ]);
    expect(await roamingAbuse(store, 202608)).toEqual([]); // 202606 has no usage: no three months yet

    const alerts = await flagRoamingAbuse(store, 202609, () => 42);
    expect(alerts.map((a) => [a.kind, a.user_id, a.month, a.detail])).toEqual([
      ['ROAMING_ABUSE', 'R1-u1', 202609, 'more EU roaming than home VOICE usage in 202607, 202608, 202609'],
      ['ROAMING_ABUSE', 'R1-u3', 202609, 'more EU roaming than home VOICE usage in 202607, 202608, 202609'],
    ]);
    await flagRoamingAbuse(store, 202609, () => 43); // month close run twice: still one alert per user
    const stored = await store.query<{ n: number }>(`SELECT count() AS n FROM alerts FINAL WHERE kind = 'ROAMING_ABUSE'`);
    expect(Number(stored[0]?.n)).toBe(2);
    const summary = await financeSummary(store, 202609);
    expect(summary.alerts).toContainEqual({ kind: 'ROAMING_ABUSE', alerts: 2, accounts: 1 });
  });

  it('turns a bad query into STORE_QUERY_FAILED naming the engine', async () => {
    await expect(store.query('SELECT no_such_column FROM rated_events')).rejects.toMatchObject({
      code: 'STORE_QUERY_FAILED',
      message: expect.stringContaining(name),
    });
  });
});

describe('server store errors', () => {
  it('an unreachable server gives STORE_UNREACHABLE with its URL', async () => {
    await expect(openServerStore('http://127.0.0.1:1')).rejects.toMatchObject({
      code: 'STORE_UNREACHABLE',
      message: expect.stringContaining('http://127.0.0.1:1'),
    });
  });
});
