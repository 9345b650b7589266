/**
 * A closed month on an embedded chDB store in a temp folder: 12 generated accounts (the month
 * job's generator) rated and invoiced with a seller, files written by closeMonth.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSchema, DEFAULT_TERMS, type InvoiceTerms, openChdbStore, type Store, writeRated } from '@ratel/aggregator';
import { closeMonth, generateAccounts, generateCdrs, type MonthClose } from '@ratel/ingest';
import { type AccountBook, type AccountInput, accountBook, type Catalog, loadCatalog, rateAll } from '@ratel/rater';

export const TERMS: InvoiceTerms = {
  ...DEFAULT_TERMS,
  seller: {
    name: 'Fixture Télécom SAS',
    address: '3 avenue de l’Europe\n67000 Strasbourg\nFrance',
    companyNumber: 'RCS Strasbourg 444 555 666',
    vatNumber: 'FR44444555666',
  },
};

export interface ClosedMonth {
  dir: string;
  out: string;
  month: number;
  store: Store;
  catalog: Catalog;
  accounts: AccountBook;
  inputs: AccountInput[];
  closed: MonthClose;
  close(): Promise<void>;
}

/** Last month (the rater takes CDRs up to 100 days old). */
export function lastMonth(): number {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
}

export async function closedMonth(name: string, edit: (a: AccountInput, i: number) => AccountInput = (a) => a): Promise<ClosedMonth> {
  const dir = mkdtempSync(join(tmpdir(), `ratel-${name}-`));
  const store = openChdbStore(join(dir, 'chdb'));
  await createSchema(store);
  const catalog = loadCatalog();
  const month = lastMonth();
  const opts = { accounts: 12, month, seed: 7 };
  const inputs = generateAccounts(opts).map(edit);
  const accounts = accountBook(inputs, catalog);
  const rated = rateAll({ catalog, accounts }, generateCdrs(inputs, opts), () => Date.now() - 60_000);
  await writeRated(store, rated.events);
  const out = join(dir, 'out');
  const closed = await closeMonth(store, catalog, accounts, month, out, { top: 5, terms: TERMS });
  return {
    dir,
    out,
    month,
    store,
    catalog,
    accounts,
    inputs,
    closed,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
