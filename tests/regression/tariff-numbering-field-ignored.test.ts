/**
 * Finding: a tariff's `numbering` field was accepted and ignored (every tariff was applied to
 * numbering/world.csv whatever it named). Now the tariff is applied to the numbering plan it
 * names, and a name with no `numbering/<name>.csv` is CATALOG_INVALID naming the file and key.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CATALOG_DIR, loadCatalog } from '@ratel/rater';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'ratel-numbering-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function catalogNaming(numbering: string, extra?: (to: string) => void): string {
  const to = join(dir, numbering);
  cpSync(DEFAULT_CATALOG_DIR, to, { recursive: true });
  const file = join(to, 'tariffs/fr-retail.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), numbering }));
  extra?.(to);
  return to;
}

describe('regression: tariff numbering field ignored', () => {
  it('a numbering plan that does not exist is refused', () => {
    expect(() => loadCatalog(catalogNaming('mars'))).toThrow(/fr-retail\.json at numbering: no numbering plan "mars"/);
  });

  it('the tariff is applied to the numbering plan it names', () => {
    // A plan of its own that knows only French mobiles: other French numbers no longer rate on fr-retail.
    const to = catalogNaming('fr-mobile-only', (t) =>
      writeFileSync(join(t, 'numbering/fr-mobile-only.csv'), 'prefix,country,name,class\n336,FR,France mobile,mobile\n'),
    );
    const catalog = loadCatalog(to);
    const trie = catalog.tariffs.get('fr-retail')?.trie;
    const be = catalog.tariffs.get('be-retail')?.trie;
    const at = Date.parse('2026-10-05T10:00:00Z');
    expect(trie?.lookup('33612345678', at, 0)).toBeGreaterThanOrEqual(0);
    expect(trie?.lookup('34612345678', at, 0)).toBe(-1);
    expect(be?.lookup('34612345678', at, 0)).toBeGreaterThanOrEqual(0); // be-retail still on the world plan
  });
});
