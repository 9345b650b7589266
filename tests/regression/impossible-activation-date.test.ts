// Finding: an activation date "2026-13-45" passed the YYYY-MM-DD format check; Date.parse gave
// NaN downstream and the account silently dropped out of the invoice run. The accounts file
// must be refused, naming the file and the field.
import { loadAccounts, loadCatalog } from '@ratel/rater';
import { expect, it } from 'vitest';
import { accountsFile, expectCatalogInvalid, minimalAccount } from '../rater/loader-fixtures.js';

it('an impossible activation date is refused with CATALOG_INVALID at its JSON path', () => {
  const file = accountsFile([minimalAccount('ok', ['ok-u']), minimalAccount('a1', ['u1'], { activated: '2026-13-45' })]);
  const e = expectCatalogInvalid(() => loadAccounts(file, loadCatalog()), file, 'at accounts.1.activated:', /calendar date/);
  expect(e.subject).toBe(file);
});
