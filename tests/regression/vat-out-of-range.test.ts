// Finding: vat.json accepted any decimal as a VAT rate ("150" loaded as 150%). A rate outside
// 0-100% is refused, naming the country's entry.
import { join } from 'node:path';
import { loadCatalog } from '@ratel/rater';
import { it } from 'vitest';
import { copyCatalog, editJson, expectCatalogInvalid } from '../rater/loader-fixtures.js';

it('a VAT rate over 100% is refused with CATALOG_INVALID', () => {
  const dir = copyCatalog((d) => editJson(join(d, 'vat.json'), (j) => (j.rates_percent.BE = '150')));
  expectCatalogInvalid(() => loadCatalog(dir), join(dir, 'vat.json'), 'at rates_percent.BE:', /within 0-100%/);
});
