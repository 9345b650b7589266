/**
 * Finding: invoices did not name their seller (French and Belgian invoices must: name, address,
 * company number, VAT number). Now the seller comes from the config (seller.*) and is on the
 * JSON, HTML and PDF; an invoice run without it marks its invoices as drafts, and `ratel
 * invoice` says so on stderr.
 */
import { DEFAULT_TERMS, invoiceHtml, invoiceJson, invoicePdf, isDraft, missingSellerFields, runInvoices } from '@ratel/aggregator';
import { loadConfig } from '@ratel/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuedAt } from './invoice-run-fixture.js';
import { type Fixture, OCT, openFixture } from './store-fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture('seller');
});
afterAll(() => fx?.close());

const seller = {
  name: 'Opérateur SAS',
  address: '1 rue A\n75001 Paris',
  companyNumber: 'RCS Paris 123 456 789',
  vatNumber: 'FR12123456789',
};

describe('regression: invoice without seller identity', () => {
  it('the config keys seller.* (and their variables) reach the invoice', async () => {
    const cfg = loadConfig({
      env: {
        RATEL_SELLER_NAME: seller.name,
        RATEL_SELLER_ADDRESS: seller.address,
        RATEL_SELLER_COMPANY_NUMBER: seller.companyNumber,
        RATEL_SELLER_VAT_NUMBER: seller.vatNumber,
      },
    });
    expect(cfg.seller).toEqual(seller);
    const run = await runInvoices(fx.store, fx.catalog, fx.book(['s1']), OCT, () => issuedAt(OCT), { terms: { ...DEFAULT_TERMS, seller } });
    const inv = run.issued[0];
    expect(inv?.seller).toEqual({
      name: seller.name,
      address: seller.address,
      company_number: seller.companyNumber,
      vat_number: seller.vatNumber,
    });
    if (!inv) return;
    expect(isDraft(inv)).toBe(false);
    expect(JSON.parse(invoiceJson(inv)).seller.vat_number).toBe('FR12123456789');
    const html = invoiceHtml(inv);
    for (const s of ['Opérateur SAS', '1 rue A', 'Company no. RCS Paris 123 456 789', 'VAT no. FR12123456789']) expect(html).toContain(s);
    expect(html).not.toContain('DRAFT');
    expect(invoicePdf(inv).length).toBeGreaterThan(1000);
  });

  it('without a seller the invoice is a draft, said on the invoice', async () => {
    expect(missingSellerFields(loadConfig({ env: {} }).seller)).toEqual([
      'seller.name',
      'seller.address',
      'seller.companyNumber',
      'seller.vatNumber',
    ]);
    const run = await runInvoices(fx.store, fx.catalog, fx.book(['s2']), OCT, () => issuedAt(OCT));
    const inv = run.issued[0];
    if (!inv) throw new Error('no invoice');
    expect(isDraft(inv)).toBe(true);
    expect(invoiceHtml(inv)).toContain('DRAFT: the seller identity is not configured');
  });
});
