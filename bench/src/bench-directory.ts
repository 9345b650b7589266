/**
 * The subscriber directory the import benchmarks read against: accounts of 5 users, each with
 * 100 Paris numbers of its own (01 4x xx xx xx), `count` numbers in all.
 */
import { directoryOf } from '@ratel/ingest';
import { type AccountBook, type AccountEntry, accountBook, type Catalog, type Directory } from '@ratel/rater';

const USERS_PER_ACCOUNT = 5;
const NUMBERS_PER_USER = 100;

export interface BenchDirectory {
  /** Every subscriber number, in the order given out. */
  numbers: string[];
  book: AccountBook;
  directory: Directory;
  /** Milliseconds to check the accounts and compile the directory. */
  compileMs: number;
}

/** `count` numbers over accounts `<idPrefix><n>` and their users `<idPrefix><n>-u<k>`. */
export function benchDirectory(count: number, idPrefix: string, catalog: Catalog): BenchDirectory {
  const accounts: AccountEntry[] = [];
  const numbers: string[] = [];
  for (let a = 0; numbers.length < count; a++) {
    const users: AccountEntry['users'] = [];
    for (let u = 0; u < USERS_PER_ACCOUNT && numbers.length < count; u++) {
      const own: string[] = [];
      for (let k = 0; k < NUMBERS_PER_USER && numbers.length < count; k++) {
        const n = `014${String(numbers.length).padStart(7, '0')}`;
        own.push(n);
        numbers.push(n);
      }
      users.push({ id: `${idPrefix}${a}-u${u}`, numbers: own });
    }
    accounts.push({
      id: `${idPrefix}${a}`,
      plan: 'fr-pro',
      activated: '2025-01-01',
      country: 'FR',
      time_zone: 'Europe/Paris',
      vat_country: 'FR',
      users,
    });
  }
  const t = performance.now();
  const book = accountBook(accounts, catalog, 'bench accounts');
  const directory = directoryOf(book, 'bench accounts');
  if (!directory) throw new Error('bench accounts: no directory');
  return { numbers, book, directory, compileMs: performance.now() - t };
}
