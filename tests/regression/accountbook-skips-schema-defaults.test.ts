// Finding: accountBook (accounts built by a program) compiled its inputs without the schema, so
// an account without `options` crashed with a TypeError and impossible dates or repeated users
// got through, while the same account in a file was handled. Both paths now parse alike.
import { type AccountEntry, accountBook, loadCatalog } from '@ratel/rater';
import { expect, it } from 'vitest';
import { expectCatalogInvalid, minimalAccount } from '../rater/loader-fixtures.js';

it('accountBook applies the defaults of the accounts file', () => {
  const book = accountBook([minimalAccount('a1', ['u1']) as AccountEntry], loadCatalog());
  expect(book.get('a1')).toMatchObject({ name: 'a1', billing: 'monthly', creditLimitMicros: 100_000_000, options: [] });
});

it('accountBook refuses what the accounts file refuses, with CATALOG_INVALID at the same path', () => {
  const inputs = [minimalAccount('a1', ['u1']), minimalAccount('a2', ['u2'], { activated: '2026-02-30' })] as AccountEntry[];
  expectCatalogInvalid(() => accountBook(inputs, loadCatalog(), 'generated accounts'), 'generated accounts', 'at accounts.1.activated:');
});
