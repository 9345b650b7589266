/**
 * Finding: the CSV header named a `period` column that the line rows did not have, so from
 * `period` on every value of a line sat one column to the left of its header (a description
 * under `period`, the amount under `unit`). Now every row, lines and totals, has one cell per
 * header column, each under its name, whatever the description holds.
 */

import { invoiceCsv } from '@ratel/aggregator';
import { accountBook } from '@ratel/rater';
import { formatMoney } from '@ratel/schemas';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { voice } from '../rater/helpers.js';
import { frAccount, invoicesOf } from './invoice-run-fixture.js';
import { type Fixture, OCT, openFixture } from './store-fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture('csv-columns');
});
afterAll(() => fx?.close());

describe('regression: invoice CSV columns shifted', () => {
  it('puts each value of every row under its header', async () => {
    const accounts = accountBook([frAccount('csv', 'fr-start', 1, { activated: '2026-10-17' })], fx.catalog);
    const cdrs = [
      voice('c1', 'csv-u1', '+33612345678', '2026-10-20T10:00:00', 60, { account: 'csv' }),
      voice('c2', 'csv-u1', '+34911234567', '2026-10-21T10:00:00', 60, { account: 'csv' }),
    ];
    const inv = (await invoicesOf(fx, accounts, OCT, cdrs)).get('csv');
    expect(inv).toBeDefined();
    if (!inv) return;
    // A description holding the separator and a quote must stay one cell.
    inv.lines[0] = { ...(inv.lines[0] as (typeof inv.lines)[number]), description: 'Forfait Start, "prorata", 15/31 days' };
    const [head, ...rows] = parse(invoiceCsv(inv)) as string[][];
    expect(head).toEqual([
      'invoice_id',
      'line_no',
      'section',
      'period',
      'description',
      'user_id',
      'quantity',
      'included_qty',
      'billed_qty',
      'unit',
      'amount',
      'invoice_number',
    ]);
    expect(rows).toHaveLength(inv.lines.length + 3);
    for (const row of rows) expect(row).toHaveLength(head?.length ?? 0);
    const cell = (row: string[], name: string) => row[head?.indexOf(name) ?? -1];
    inv.lines.forEach((l, i) => {
      const row = rows[i] as string[];
      expect([
        cell(row, 'line_no'),
        cell(row, 'period'),
        cell(row, 'description'),
        cell(row, 'quantity'),
        cell(row, 'unit'),
        cell(row, 'amount'),
      ]).toEqual([String(l.line_no), String(l.period), l.description, String(l.quantity), l.unit, formatMoney(l.amount_micros)]);
    });
    expect(rows.slice(-3).map((r) => [cell(r, 'section'), cell(r, 'period'), cell(r, 'description'), cell(r, 'amount')])).toEqual([
      ['total', '', 'Total excl. VAT', formatMoney(inv.total_excl_micros)],
      ['total', '', 'VAT FR 20%', formatMoney(inv.vat_micros)],
      ['total', '', 'Total incl. VAT', formatMoney(inv.total_incl_micros)],
    ]);
  });
});
