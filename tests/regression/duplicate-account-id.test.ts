// Finding: two accounts with one id loaded, the second silently replacing the first in the book
// (its users' CDRs then rated on the wrong plan). Refused at the second id.
import { loadAccounts, loadCatalog } from '@ratel/rater';
import { it } from 'vitest';
import { accountsFile, expectCatalogInvalid, minimalAccount } from '../rater/loader-fixtures.js';

it('an account id listed twice is refused with CATALOG_INVALID', () => {
  const file = accountsFile([minimalAccount('a1', ['u1']), minimalAccount('a1', ['u2'], { plan: 'fr-pro' })]);
  expectCatalogInvalid(() => loadAccounts(file, loadCatalog()), file, 'at accounts.1.id:', /account id "a1" is listed twice/);
});
