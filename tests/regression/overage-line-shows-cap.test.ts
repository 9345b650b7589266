/**
 * Finding: a call over the 1 h per-call cap (seed 004 « 1h maximum par appel ») was put whole
 * on the fair-use overage line, which then read "3600 incl. / 400 billed s": the cap shown as
 * an included quantity of the overage. Now the included part stays on the usage line and the
 * overage line's quantity is what it bills.
 */
import { invoiceHtml, invoiceText } from '@ratel/aggregator';
import { accountBook } from '@ratel/rater';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { voice } from '../rater/helpers.js';
import { frAccount, invoicesOf } from './invoice-run-fixture.js';
import { type Fixture, OCT, openFixture } from './store-fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture('overage-cap');
});
afterAll(() => fx?.close());

describe('regression: overage line shows the cap', () => {
  it('bills the 400 s beyond a 4000 s call on the overage line, the 3600 s included on the usage line', async () => {
    const accounts = accountBook([frAccount('cap', 'fr-start')], fx.catalog);
    const inv = (
      await invoicesOf(fx, accounts, OCT, [voice('k1', 'cap-u1', '+33612345678', '2026-10-05T10:00:00', 4000, { account: 'cap' })])
    ).get('cap');
    // 400 s * 0.15 / 60 = 1.00.
    expect(
      inv?.lines
        .filter((l) => l.section !== 'recurring')
        .map((l) => [l.section, l.quantity, l.included_qty, l.billed_qty, l.amount_micros]),
    ).toEqual([
      ['usage', 3600, 3600, 0, 0],
      ['overage', 400, 0, 400, 1_000_000],
    ]);
    if (!inv) return;
    expect(invoiceHtml(inv)).toContain('<td class="num">400 s billed</td>');
    expect(invoiceText(inv)).toMatch(/Fair-use overage: Calls mobile, national \(Forfait Start\) +\[400 s billed\]/);
  });
});
