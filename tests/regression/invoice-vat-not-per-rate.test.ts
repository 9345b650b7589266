/**
 * Finding: the VAT of an invoice was one amount, not broken down per rate with the base it is
 * taken on. Now vat_breakdown lists each rate with its base and VAT (their sum is the VAT), on
 * the JSON, CSV, HTML and PDF.
 */
import { invoiceCsv, invoiceHtml, invoiceJson } from '@ratel/aggregator';
import { accountBook } from '@ratel/rater';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frAccount, invoicesOf } from './invoice-run-fixture.js';
import { type Fixture, OCT, openFixture } from './store-fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture('vat-rate');
});
afterAll(() => fx?.close());

describe('regression: invoice VAT not per rate', () => {
  it('a Belgian account: 21% on the total excl. VAT, shown per rate everywhere', async () => {
    const accounts = accountBook(
      [frAccount('v1', 'be-unlimited-fixed', 1, { country: 'BE', vat_country: 'BE', time_zone: 'Europe/Brussels' })],
      fx.catalog,
    );
    const inv = (await invoicesOf(fx, accounts, OCT)).get('v1');
    if (!inv) throw new Error('no invoice');
    // November in advance 15.00 at 21%: 3.15.
    expect(inv.vat_breakdown).toEqual([{ vat_bp: 2100, base_micros: 15_000_000, vat_micros: 3_150_000 }]);
    expect(JSON.parse(invoiceJson(inv)).vat_breakdown).toEqual([
      { vat_bp: 2100, base_micros: 15_000_000, vat_micros: 3_150_000, rate: '21%', base: '15.00', vat: '3.15' },
    ]);
    expect(invoiceCsv(inv)).toContain(',total,,VAT BE 21%,,,,,,3.15,');
    expect(invoiceHtml(inv)).toContain('VAT BE 21% on 15.00&nbsp;EUR');
  });
});
