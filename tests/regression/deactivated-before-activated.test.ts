// Finding: an account deactivated before its activation date loaded, giving a service period of
// negative length to proration and retention. Refused; ending on the activation day is allowed.
import { loadAccounts, loadCatalog } from '@ratel/rater';
import { expect, it } from 'vitest';
import { accountsFile, expectCatalogInvalid, minimalAccount } from '../rater/loader-fixtures.js';

it('deactivated before activated is refused with CATALOG_INVALID', () => {
  const catalog = loadCatalog();
  const file = accountsFile([minimalAccount('a1', ['u1'], { activated: '2026-03-10', deactivated: '2026-03-09' })]);
  expectCatalogInvalid(() => loadAccounts(file, catalog), file, 'at accounts.0.deactivated:', /2026-03-09 is before activated 2026-03-10/);
  const sameDay = accountsFile([minimalAccount('a1', ['u1'], { activated: '2026-03-10', deactivated: '2026-03-10' })]);
  expect(loadAccounts(sameDay, catalog).get('a1')?.deactivated).toBe('2026-03-10');
});
