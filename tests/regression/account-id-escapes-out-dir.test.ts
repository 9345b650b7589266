/**
 * Finding: account ids went unescaped into invoice file paths. `../../../x` wrote outside
 * `--out`; an id with `/` or a NUL byte crashed the run after the invoices were issued, leaving
 * the other invoices' files unwritten. Every id now maps to one encoded file in out/<yyyymm>/.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INVOICE_FILE_TYPES } from '@ratel/aggregator';
import { closeMonth } from '@ratel/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, OCT, openFixture } from './store-fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture('escape');
});
afterAll(() => fx?.close());

describe('regression: account id escapes the out folder', () => {
  it('hostile ids each give their files (JSON, CSV, HTML, PDF, calls) inside out/<yyyymm>/, and nothing is written elsewhere', async () => {
    const ids = ['../../../x', 'a/b', 'nul\u0000byte', '..', 'plain'];
    const out = join(fx.dir, 'deep', 'er', 'out');
    const closed = await closeMonth(fx.store, fx.catalog, fx.book(ids), OCT, out);
    expect(closed.run.issued).toHaveLength(ids.length);
    const folder = join(out, String(OCT));
    expect(closed.folder).toBe(folder);
    const files = readdirSync(folder);
    expect(files).toHaveLength(ids.length * INVOICE_FILE_TYPES.length);
    const stored = files.filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(folder, f), 'utf8')).account_id);
    expect(stored.sort()).toEqual([...ids].sort());
    // `../../../x-202610` from out/202610 would land in fx.dir
    expect(existsSync(join(fx.dir, 'x-202610.json'))).toBe(false);
    expect(readdirSync(fx.dir).sort()).toEqual(['chdb', 'deep']);
  });
});
