/**
 * Finding: invoices carried no late-payment terms (French and Belgian B2B invoices must state
 * the penalties and the 40 EUR fixed recovery fee). Now invoice.legalText is printed on every
 * invoice; its default states both and cites the French Commercial Code, article L441-10.
 */
import { DEFAULT_LEGAL_TEXT, DEFAULT_TERMS, invoiceHtml, invoiceJson, runInvoices } from '@ratel/aggregator';
import { loadConfig } from '@ratel/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuedAt } from './invoice-run-fixture.js';
import { type Fixture, OCT, openFixture } from './store-fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture('legal-text');
});
afterAll(() => fx?.close());

describe('regression: invoice without legal text', () => {
  it('the default names the penalties and the 40 EUR recovery fee', () => {
    expect(DEFAULT_LEGAL_TEXT).toMatch(/penalties/);
    expect(DEFAULT_LEGAL_TEXT).toMatch(/40 EUR for recovery costs/);
    expect(DEFAULT_LEGAL_TEXT).toMatch(/article L441-10/);
    expect(loadConfig({ env: {} }).invoice.legalText).toBe(DEFAULT_LEGAL_TEXT);
  });

  it('a configured text is printed on the invoice, escaped in HTML', async () => {
    const legalText = 'Pénalités de retard : 3 × le taux légal <art. L441-10>; indemnité forfaitaire de 40 €.';
    expect(loadConfig({ env: { RATEL_INVOICE_LEGAL_TEXT: legalText } }).invoice.legalText).toBe(legalText);
    const run = await runInvoices(fx.store, fx.catalog, fx.book(['l1']), OCT, () => issuedAt(OCT), {
      terms: { ...DEFAULT_TERMS, legalText },
    });
    const inv = run.issued[0];
    if (!inv) throw new Error('no invoice');
    expect(JSON.parse(invoiceJson(inv)).legal_text).toBe(legalText);
    expect(invoiceHtml(inv)).toContain('&#60;art. L441-10&#62;');
  });
});
