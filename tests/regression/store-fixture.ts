/** An embedded chDB store in a temp folder and a small account book, for the month-close regressions. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSchema, openChdbStore, type Store } from '@ratel/aggregator';
import { type AccountBook, type AccountInput, accountBook, type Catalog, loadCatalog } from '@ratel/rater';

export const OCT = 202610;

export const account = (id: string): AccountInput => ({
  id,
  name: `Account ${id}`,
  plan: 'fr-start',
  billing: 'monthly',
  activated: '2025-03-01',
  country: 'FR',
  time_zone: 'Europe/Paris',
  vat_country: 'FR',
  credit_limit: '100.00',
  options: [],
  users: [{ id: `${id}-u1` }],
});

export interface Fixture {
  dir: string;
  store: Store;
  catalog: Catalog;
  book(ids: readonly string[]): AccountBook;
  close(): Promise<void>;
}

export async function openFixture(name: string): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), `ratel-${name}-`));
  const store = openChdbStore(join(dir, 'chdb'));
  await createSchema(store);
  const catalog = loadCatalog();
  return {
    dir,
    store,
    catalog,
    book: (ids) => accountBook(ids.map(account), catalog),
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
