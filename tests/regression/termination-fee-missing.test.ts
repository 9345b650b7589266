/**
 * Finding: the plans' termination fee (seed 004 « Frais de résiliation : 59€ HT de frais de
 * résiliation du service par licence utilisateur ») was in the catalog but never billed. Now the
 * invoice of the month of deactivation bills it once per user licence.
 */
import { accountBook } from '@ratel/rater';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frAccount, invoicesOf } from './invoice-run-fixture.js';
import { type Fixture, OCT, openFixture } from './store-fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture('termination-fee');
});
afterAll(() => fx?.close());

describe('regression: termination fee missing', () => {
  it('bills 59.00 per user licence of a Forfait Pro account on the invoice of its deactivation month', async () => {
    const accounts = accountBook([frAccount('pro', 'fr-pro', 2, { deactivated: '2026-10-20' })], fx.catalog);
    const inv = (await invoicesOf(fx, accounts, OCT)).get('pro');
    expect(inv?.lines.filter((l) => l.section === 'termination').map((l) => [l.user_id, l.period, l.quantity, l.amount_micros])).toEqual([
      ['pro-u1', OCT, 1, 59_000_000],
      ['pro-u2', OCT, 1, 59_000_000],
    ]);
  });
});
