/**
 * Finding: an account deactivated on 15 October was still billed November in advance on its
 * October invoice, and every month after (the invoice run read only the activation date).
 * Now no recurring fee is billed for a month after the deactivation, the October fee billed
 * in advance on September's invoice is credited for the days after the deactivation (plan
 * policy "prorata"), and nothing is issued in November when there is nothing to bill. A user
 * deactivated while the account goes on (users[].deactivated) stops being billed the same way.
 */
import { accountBook } from '@ratel/rater';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frAccount, invoicesOf } from './invoice-run-fixture.js';
import { type Fixture, OCT, openFixture } from './store-fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture('fee-after-deactivation');
});
afterAll(() => fx?.close());

describe('regression: recurring fee after deactivation', () => {
  it('bills no month after the deactivation of the account or of a user', async () => {
    const accounts = accountBook(
      [
        frAccount('gone', 'fr-start', 1, { deactivated: '2026-10-15' }),
        frAccount('stays', 'fr-start', 2, { users: [{ id: 'stays-u1' }, { id: 'stays-u2', deactivated: '2026-10-10' }] }),
      ],
      fx.catalog,
    );
    const oct = await invoicesOf(fx, accounts, OCT);
    const gone = oct.get('gone');
    expect(gone?.lines.filter((l) => l.section === 'recurring' || l.section === 'option').map((l) => [l.period, l.amount_micros])).toEqual([
      // 15 of 31 days due: 19.90 * 15/31 = 9.629 -> 9.63; credit 9.63 - 19.90 = -10.27.
      [OCT, -10_270_000],
    ]);
    const stays = oct.get('stays');
    expect(stays?.lines.filter((l) => l.period === 202611).map((l) => l.user_id)).toEqual(['stays-u1']);

    const nov = await invoicesOf(fx, accounts, 202611);
    expect(nov.has('gone')).toBe(false);
    expect(nov.get('stays')?.lines.map((l) => [l.user_id, l.period, l.amount_micros])).toEqual([['stays-u1', 202612, 19_900_000]]);
  });

  it('refuses a user deactivated before the account was activated', () => {
    expect(() =>
      accountBook([frAccount('early', 'fr-start', 1, { users: [{ id: 'early-u1', deactivated: '2025-02-28' }] })], fx.catalog),
    ).toThrow(expect.objectContaining({ code: 'CATALOG_INVALID', message: expect.stringContaining('accounts.0.users.0.deactivated') }));
  });
});
