// Finding: a user listed twice in one account loaded; the second listing silently replaced the
// first one's plan while the user kept the first listing's credit limit. Refused at the second.
import { loadAccounts, loadCatalog } from '@ratel/rater';
import { it } from 'vitest';
import { accountsFile, expectCatalogInvalid, minimalAccount } from '../rater/loader-fixtures.js';

it('a user id listed twice in one account is refused with CATALOG_INVALID', () => {
  const file = accountsFile([
    minimalAccount('a1', ['u1'], { users: [{ id: 'u1', credit_limit: '5.00' }, { id: 'u2' }, { id: 'u1', plan: 'fr-pro' }] }),
  ]);
  expectCatalogInvalid(() => loadAccounts(file, loadCatalog()), file, 'at accounts.0.users.2.id:', /user id "u1" is listed twice/);
});
