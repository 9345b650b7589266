/**
 * Finding: an invoice asked for an account the accounts book does not hold failed with
 * `CDR_UNRATEABLE` "CDR (no id): cannot be rated", naming a CDR that does not exist. It is now an
 * account error, ACCOUNT_UNKNOWN, naming the account and the month.
 */
import { buildInvoice, monthTotals } from '@ratel/aggregator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, OCT, openFixture } from './store-fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture('unknown-account');
});
afterAll(() => fx?.close());

describe('regression: invoice for an unknown account', () => {
  it('raises ACCOUNT_UNKNOWN naming the account', async () => {
    const accounts = fx.book(['known']);
    const usage = await monthTotals(fx.store, OCT);
    let error: unknown;
    try {
      buildInvoice(fx.catalog, accounts, 'ghost', OCT, usage, Date.UTC(2026, 10, 1));
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ACCOUNT_UNKNOWN', message: expect.stringContaining('"ghost"') });
    expect((error as Error).message).toMatch(/2026-10/);
    expect((error as Error).message).not.toMatch(/CDR/);
  });
});
