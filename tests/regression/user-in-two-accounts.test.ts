// Finding: one user id in two accounts was accepted: the same subscriber line, with a plan and
// limits in each account, billed to whichever account a CDR names. Refused, naming the second
// place and the first owner.
import { loadAccounts, loadCatalog } from '@ratel/rater';
import { it } from 'vitest';
import { accountsFile, expectCatalogInvalid, minimalAccount } from '../rater/loader-fixtures.js';

it('a user id in two accounts is refused with CATALOG_INVALID', () => {
  const file = accountsFile([minimalAccount('a1', ['u1', 'shared']), minimalAccount('a2', ['u2']), minimalAccount('a3', ['shared'])]);
  expectCatalogInvalid(
    () => loadAccounts(file, loadCatalog()),
    file,
    'at accounts.2.users.0.id:',
    /user id "shared" is already a user of account a1/,
  );
});
