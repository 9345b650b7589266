// Finding: tariff versions with the same effective_from, or an effective_to before its
// effective_from, loaded; the price of a day then depended on the order of rows in the trie.
import { join } from 'node:path';
import { loadCatalog } from '@ratel/rater';
import { it } from 'vitest';
import { copyCatalog, editJson, expectCatalogInvalid } from '../rater/loader-fixtures.js';

const file = (d: string) => join(d, 'tariffs', 'be-retail.json');

it('two versions from the same day are refused with CATALOG_INVALID', () => {
  const dir = copyCatalog((d) => editJson(file(d), (j) => j.versions.push(structuredClone(j.versions[0]))));
  expectCatalogInvalid(() => loadCatalog(dir), file(dir), 'at versions.1.effective_from:', /distinct/);
});

it('an effective_to before effective_from is refused with CATALOG_INVALID', () => {
  const dir = copyCatalog((d) => editJson(file(d), (j) => (j.versions[0].effective_to = '2023-12-31')));
  expectCatalogInvalid(() => loadCatalog(dir), file(dir), 'at versions.0.effective_to:', /not after effective_from/);
});
