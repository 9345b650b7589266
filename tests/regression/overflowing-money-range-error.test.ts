// Finding: amounts with more digits than safe integer micros hold passed the decimal format check
// and parseMoney then threw a bare RangeError out of the loader (no file, no place). Each loader
// must refuse them with CATALOG_INVALID naming the field.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAccounts, loadCatalog, loadDeckCsv } from '@ratel/rater';
import { it } from 'vitest';
import { accountsFile, copyCatalog, editJson, expectCatalogInvalid, minimalAccount, tempDir } from '../rater/loader-fixtures.js';

const HUGE = '99999999999999999999';

it('an overflowing credit limit in the accounts file', () => {
  const file = accountsFile([minimalAccount('a1', ['u1'], { credit_limit: HUGE })]);
  expectCatalogInvalid(() => loadAccounts(file, loadCatalog()), file, 'at accounts.0.credit_limit:', /at most/);
});

it('an overflowing plan fee in plans.json', () => {
  const dir = copyCatalog((d) => editJson(join(d, 'plans.json'), (j) => (j.plans[1].termination_fee = HUGE)));
  expectCatalogInvalid(() => loadCatalog(dir), join(dir, 'plans.json'), 'at plans.1.termination_fee:', /at most/);
});

it('an overflowing rate in a tariff file', () => {
  const dir = copyCatalog((d) => editJson(join(d, 'tariffs', 'be-retail.json'), (j) => (j.versions[0].rules[2].connect_fee = HUGE)));
  expectCatalogInvalid(() => loadCatalog(dir), join(dir, 'tariffs', 'be-retail.json'), 'at versions.0.rules.2.connect_fee:', /at most/);
});

it('an overflowing rate in a CSV deck', () => {
  const file = join(tempDir(), 'deck.csv');
  writeFileSync(
    file,
    `prefix,destination,class,rate_per_min,effective_from\n44,UK,fixed,0.05,2025-01-01\n447,UK mobile,mobile,${HUGE},2025-01-01\n`,
  );
  expectCatalogInvalid(() => loadDeckCsv(file), file, 'at line 3 column rate_per_min:', /at most/);
});
