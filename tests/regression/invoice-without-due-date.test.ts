/**
 * Finding: invoices carried no issue date of their own and no due date. Now the issue date is
 * read in invoice.timeZone and the due date is the issue date plus invoice.paymentTermsDays
 * (default 30; at most 60, the French cap on agreed terms).
 */
import { DEFAULT_TERMS, invoiceHtml, runInvoices } from '@ratel/aggregator';
import { loadConfig } from '@ratel/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, OCT, openFixture } from './store-fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture('due-date');
});
afterAll(() => fx?.close());

describe('regression: invoice without due date', () => {
  it('issued 31 Oct 23:30 UTC is 1 Nov in Paris; 45 days of terms: due 16 Dec', async () => {
    const run = await runInvoices(fx.store, fx.catalog, fx.book(['d1']), OCT, () => Date.parse('2026-10-31T23:30:00Z'), {
      terms: { ...DEFAULT_TERMS, paymentTermsDays: 45 },
    });
    const inv = run.issued[0];
    expect([inv?.issue_date, inv?.due_date, inv?.payment_terms_days]).toEqual(['2026-11-01', '2026-12-16', 45]);
    expect(invoiceHtml(inv as NonNullable<typeof inv>)).toContain('due 2026-12-16 (45 days)');
  });

  it('payment terms: 30 days by default, more than 60 refused', () => {
    expect(loadConfig({ env: {} }).invoice.paymentTermsDays).toBe(30);
    expect(() => loadConfig({ env: { RATEL_PAYMENT_TERMS_DAYS: '90' } })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('invoice.paymentTermsDays (RATEL_PAYMENT_TERMS_DAYS)'),
      }),
    );
  });
});
