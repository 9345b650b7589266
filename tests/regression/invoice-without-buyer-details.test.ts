/**
 * Finding: invoices named the buyer by the account's name only (French and Belgian invoices
 * need its name, address and, between businesses, its VAT id). Now the accounts file's `buyer`
 * gives them; a malformed VAT id is refused at load.
 */
import { invoiceHtml } from '@ratel/aggregator';
import { accountBook } from '@ratel/rater';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frAccount, invoicesOf } from './invoice-run-fixture.js';
import { type Fixture, OCT, openFixture } from './store-fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture('buyer');
});
afterAll(() => fx?.close());

describe('regression: invoice without buyer details', () => {
  it('buyer name, address and VAT id from the accounts file are on the invoice', async () => {
    const accounts = accountBook(
      [frAccount('b1', 'fr-start', 1, { buyer: { name: 'Client SA', address: '2 quai B\n69002 Lyon', vat_id: 'FR40303265045' } })],
      fx.catalog,
    );
    const inv = (await invoicesOf(fx, accounts, OCT)).get('b1');
    expect(inv?.buyer).toEqual({ name: 'Client SA', address: '2 quai B\n69002 Lyon', vat_id: 'FR40303265045' });
    const html = invoiceHtml(inv as NonNullable<typeof inv>);
    for (const s of ['Client SA', '2 quai B', '69002 Lyon', 'VAT no. FR40303265045']) expect(html).toContain(s);
  });

  it('a VAT id that is not one is refused, naming the field', () => {
    expect(() => accountBook([frAccount('b2', 'fr-start', 1, { buyer: { vat_id: 'not a vat id' } })], fx.catalog)).toThrow(
      expect.objectContaining({ code: 'CATALOG_INVALID', message: expect.stringMatching(/buyer\.vat_id: a VAT id/) }),
    );
  });
});
