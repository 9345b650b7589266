/**
 * Finding: usage lines were grouped by destination class only, so a call to a French fixed
 * number and one to a Spanish fixed number shared one "Calls fixed" line, and the customer could
 * not check either against the tariff. Now lines are grouped by zone as well: national, each
 * international country, special numbers.
 */
import { accountBook } from '@ratel/rater';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { voice } from '../rater/helpers.js';
import { frAccount, invoicesOf } from './invoice-run-fixture.js';
import { type Fixture, OCT, openFixture } from './store-fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture('mix-destinations');
});
afterAll(() => fx?.close());

describe('regression: usage lines mix destinations', () => {
  it('bills a French, a Spanish and a freephone call on three lines', async () => {
    const accounts = accountBook([frAccount('mix', 'fr-start')], fx.catalog);
    const opts = { account: 'mix' };
    const inv = (
      await invoicesOf(fx, accounts, OCT, [
        voice('m1', 'mix-u1', '+33145678901', '2026-10-05T10:00:00', 120, opts),
        voice('m2', 'mix-u1', '+34911234567', '2026-10-06T10:00:00', 60, opts),
        voice('m3', 'mix-u1', '+33800123456', '2026-10-07T10:00:00', 30, opts),
      ])
    ).get('mix');
    // France fixed 120 s included; Spain fixed 60 s at 0.89/min on Start = 0.89; freephone free.
    expect(inv?.lines.filter((l) => l.section === 'usage').map((l) => [l.description, l.quantity, l.amount_micros])).toEqual([
      ['Calls fixed, national (Forfait Start)', 120, 0],
      ['Calls fixed, Spain (Forfait Start)', 60, 890_000],
      ['Calls special numbers, freephone (Forfait Start)', 30, 0],
    ]);
  });
});
