/**
 * Finding: invoices were issued (headers stored) before their files were written; a write that
 * failed left the files missing for good, since a rerun saw the invoices issued and wrote
 * nothing. Now the failure is one OUTPUT_UNWRITABLE error, and a rerun writes the files of the
 * month's issued invoices that are missing, read back from the store.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hasInvoiceFiles } from '@ratel/aggregator';
import { closeMonth } from '@ratel/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, OCT, openFixture } from './store-fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture('lost-files');
});
afterAll(() => fx?.close());

describe('regression: invoice files lost after issue', () => {
  it('a write failure after issue is typed, and the rerun writes the missing files', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `acc-${i}`);
    const book = fx.book(ids);
    const out = join(fx.dir, 'out');
    const folder = join(out, String(OCT));
    mkdirSync(join(folder, 'acc-3-202610.json'), { recursive: true }); // the file cannot be written there
    const first = closeMonth(fx.store, fx.catalog, book, OCT, out);
    await expect(first).rejects.toMatchObject({ code: 'OUTPUT_UNWRITABLE', message: expect.stringMatching(/acc-3-202610\.json.*1 of 6/) });
    await expect(first).rejects.toThrow(/^[^\n]+$/);
    expect(ids.filter((id) => !hasInvoiceFiles(folder, `${id}-202610`))).toEqual(['acc-3']);

    rmSync(join(folder, 'acc-3-202610.json'), { recursive: true });
    rmSync(join(folder, 'acc-5-202610.html')); // lost some other way
    const again = await closeMonth(fx.store, fx.catalog, book, OCT, out);
    expect(again.run).toMatchObject({ issued: [], alreadyIssued: 6 });
    expect(again.repaired).toBe(2);
    expect(ids.every((id) => hasInvoiceFiles(folder, `${id}-202610`))).toBe(true);
  });

  it('a file written again equals the first one (the invoice read back from the store)', async () => {
    const book = fx.book(['acc-0']);
    const out = join(fx.dir, 'out');
    const path = join(out, String(OCT), 'acc-0-202610.json');
    const before = readFileSync(path, 'utf8');
    rmSync(path);
    expect((await closeMonth(fx.store, fx.catalog, book, OCT, out)).repaired).toBe(1);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(JSON.parse(before)).toMatchObject({ account_id: 'acc-0', account_name: 'Account acc-0' });
  });
});
