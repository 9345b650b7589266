/**
 * Finding: usage with nothing to show (unanswered calls: zero seconds, zero amount) was printed
 * as an invoice line "0 incl. / 0 billed s ... 0.00". Lines with zero quantity and zero amount
 * are no longer printed, on the invoice, its CSV and its HTML page.
 */
import { invoiceCsv, invoiceHtml } from '@ratel/aggregator';
import { accountBook } from '@ratel/rater';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { voice } from '../rater/helpers.js';
import { frAccount, invoicesOf } from './invoice-run-fixture.js';
import { type Fixture, OCT, openFixture } from './store-fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture('zero-lines');
});
afterAll(() => fx?.close());

describe('regression: zero invoice lines printed', () => {
  it('leaves out a line of unanswered calls only', async () => {
    const accounts = accountBook([frAccount('zero', 'fr-start')], fx.catalog);
    const opts = { account: 'zero' };
    const inv = (
      await invoicesOf(fx, accounts, OCT, [
        voice('z1', 'zero-u1', '+447700900123', '2026-10-05T10:00:00', 0, opts), // UK mobile, unanswered
        voice('z2', 'zero-u1', '+33612345678', '2026-10-06T10:00:00', 60, opts), // French mobile, included
      ])
    ).get('zero');
    expect(inv?.lines.filter((l) => l.quantity === 0 && l.amount_micros === 0)).toEqual([]);
    expect(inv?.lines.map((l) => l.description)).toEqual(['Forfait Start, 2026-11 (in advance)', 'Calls mobile, national (Forfait Start)']);
    if (!inv) return;
    expect(invoiceCsv(inv)).not.toMatch(/United Kingdom/);
    expect(invoiceHtml(inv)).not.toMatch(/United Kingdom/);
  });
});
