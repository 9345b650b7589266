// Finding: an account listing "call-recording" twice was billed the option twice. The accounts
// file must be refused at the second listing, by the file loader and by accountBook alike.
import { type AccountEntry, accountBook, loadAccounts, loadCatalog } from '@ratel/rater';
import { it } from 'vitest';
import { accountsFile, expectCatalogInvalid, minimalAccount } from '../rater/loader-fixtures.js';

it('an option listed twice on an account is refused with CATALOG_INVALID', () => {
  const account = minimalAccount('a1', ['u1'], { plan: 'fr-pro', options: ['call-recording', 'extra-profile', 'call-recording'] });
  const file = accountsFile([account]);
  const catalog = loadCatalog();
  expectCatalogInvalid(() => loadAccounts(file, catalog), file, 'at accounts.0.options.2:', /option "call-recording" is listed twice/);
  expectCatalogInvalid(() => accountBook([account as AccountEntry], catalog), 'accounts', 'at accounts.0.options.2:');
});
