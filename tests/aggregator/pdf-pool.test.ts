/** The month's PDFs laid out in the worker pool are the bytes the calling thread lays out. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Invoice, invoicePdf, renderPdfs } from '@ratel/aggregator';
import { describe, expect, it } from 'vitest';

const GOLDEN = join(import.meta.dirname, 'golden');

describe('renderPdfs', () => {
  it('gives the same PDF per invoice from the pool (2 threads) as inline', async () => {
    const golden = readdirSync(GOLDEN)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(GOLDEN, f), 'utf8')) as Invoice);
    // Enough invoices for the pool to be used (it lays out a handful inline).
    const invoices = [...golden, ...golden].map((inv, i) => ({ ...inv, invoice_id: `${inv.invoice_id}-${i}` }));
    expect(invoices.length).toBeGreaterThanOrEqual(16);
    const pooled = await renderPdfs(invoices, new Map(), 2);
    expect(pooled.size).toBe(invoices.length);
    for (const inv of invoices) expect(Buffer.compare(pooled.get(inv.invoice_id) as Buffer, invoicePdf(inv, []))).toBe(0);
  });
});
