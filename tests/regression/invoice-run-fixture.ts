/** Rates CDRs into an embedded chDB store and runs a month's invoices: the invoice regressions. */
import { type Invoice, runInvoices, writeRated } from '@ratel/aggregator';
import { type AccountBook, type AccountInput, rateAll } from '@ratel/rater';
import type { Cdr } from '@ratel/schemas';
import { expect } from 'vitest';
import type { Fixture } from './store-fixture.js';

export const RATED_AT = Date.parse('2026-10-31T23:30:00Z');
/** Invoices of month M are issued at the end of M (SPEC §5). */
export const issuedAt = (month: number): number => Date.UTC(Math.floor(month / 100), month % 100, 1);

/** A French account on `plan` since 2025-03-01 with users `<id>-u1`...; `extra` overrides fields. */
export const frAccount = (id: string, plan: string, users = 1, extra: Partial<AccountInput> = {}): AccountInput => ({
  id,
  name: `Account ${id}`,
  plan,
  billing: 'monthly',
  activated: '2025-03-01',
  country: 'FR',
  time_zone: 'Europe/Paris',
  vat_country: 'FR',
  credit_limit: '1000.00',
  options: [],
  users: Array.from({ length: users }, (_, i) => ({ id: `${id}-u${i + 1}` })),
  ...extra,
});

/** Rates `cdrs` (none may be dead-lettered), stores them, and returns the invoices of `month` by account. */
export async function invoicesOf(
  fx: Fixture,
  accounts: AccountBook,
  month: number,
  cdrs: readonly Cdr[] = [],
): Promise<Map<string, Invoice>> {
  const out = rateAll({ catalog: fx.catalog, accounts }, cdrs, () => RATED_AT);
  expect(out.dead).toEqual([]);
  await writeRated(fx.store, out.events);
  const run = await runInvoices(fx.store, fx.catalog, accounts, month, () => issuedAt(month));
  return new Map(run.issued.map((inv) => [inv.account_id, inv]));
}
