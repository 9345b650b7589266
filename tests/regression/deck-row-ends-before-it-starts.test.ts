// Finding: a CSV deck row whose effective_to was before its effective_from loaded as a row that
// is never in force; a typo in a carrier deck silently dropped the destination's price.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDeckCsv } from '@ratel/rater';
import { it } from 'vitest';
import { expectCatalogInvalid, tempDir } from '../rater/loader-fixtures.js';

it('a deck row ending before it starts is refused with CATALOG_INVALID at its line', () => {
  const file = join(tempDir(), 'deck.csv');
  writeFileSync(
    file,
    'prefix,destination,class,rate_per_min,effective_from,effective_to\n44,UK,fixed,0.05,2025-01-01,\n447,UK mobile,mobile,0.20,2025-07-01,2025-01-01\n',
  );
  expectCatalogInvalid(() => loadDeckCsv(file), file, 'at line 3 column effective_to:', /after effective_from/);
});
