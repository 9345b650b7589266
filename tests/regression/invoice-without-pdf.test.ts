/**
 * Finding: invoices were written as JSON, CSV and HTML only; finance sends PDFs. Now month close
 * writes a PDF for every invoice (and the itemised calls CSV) beside them, whole (temporary name,
 * then rename), and a rerun writes a missing PDF again.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { closeMonth } from '@ratel/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, OCT, openFixture } from './store-fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture('pdf');
});
afterAll(() => fx?.close());

describe('regression: invoice without PDF', () => {
  it('every issued invoice gets a PDF; a lost one is written again by the rerun', async () => {
    const out = join(fx.dir, 'out');
    const book = fx.book(['p1', 'p2', 'p3']);
    const closed = await closeMonth(fx.store, fx.catalog, book, OCT, out);
    const folder = join(out, String(OCT));
    const pdfs = readdirSync(folder).filter((f) => f.endsWith('.pdf'));
    expect(pdfs.sort()).toEqual(['p1-202610.pdf', 'p2-202610.pdf', 'p3-202610.pdf']);
    expect(closed.run.issued).toHaveLength(3);
    for (const f of pdfs) expect(readFileSync(join(folder, f)).subarray(0, 5).toString()).toBe('%PDF-');
    expect(readdirSync(folder).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const before = readFileSync(join(folder, 'p2-202610.pdf'));
    rmSync(join(folder, 'p2-202610.pdf'));
    const again = await closeMonth(fx.store, fx.catalog, book, OCT, out);
    expect(again.repaired).toBe(1);
    // Read back from the store, the invoice gives the same PDF bytes.
    expect(readFileSync(join(folder, 'p2-202610.pdf')).equals(before)).toBe(true);
  });
});
