// Finding: "2024-13-25" as a tariff version's effective_from passed the format check; the
// version's rows got NaN dates, matched no call, and 40% of CDRs went to dead letters. The
// catalog must refuse the tariff file, naming the version's field.
import { join } from 'node:path';
import { loadCatalog } from '@ratel/rater';
import { it } from 'vitest';
import { copyCatalog, editJson, expectCatalogInvalid } from '../rater/loader-fixtures.js';

it('an impossible tariff effective_from is refused with CATALOG_INVALID at its JSON path', () => {
  const dir = copyCatalog((d) => editJson(join(d, 'tariffs', 'fr-retail.json'), (j) => (j.versions[0].effective_from = '2024-13-25')));
  expectCatalogInvalid(() => loadCatalog(dir), join(dir, 'tariffs', 'fr-retail.json'), 'at versions.0.effective_from:', /calendar date/);
});
