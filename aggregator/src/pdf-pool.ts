/**
 * The month's invoice PDFs laid out on every core: a Piscina pool of pdf-worker.ts, made for one
 * month close and destroyed after it. A handful of invoices is laid out here instead (starting
 * the workers would cost more). The same invoice gives the same bytes either way.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { Invoice } from './invoice.js';
import { invoicePdf } from './invoice-pdf.js';
import type { CallDetail } from './itemised.js';
import type { PdfTask } from './pdf-worker.js';

/** Below this many invoices the PDFs are laid out on the calling thread. */
const INLINE_BELOW = 16;

/** The PDF of each invoice, by invoice id (with its itemised calls from `calls` when given). */
/** The compiled worker's CommonJS entry (pdf-worker-entry.cts), from src/ (tests) and dist/ alike. */
export const PDF_WORKER = new URL('../dist/pdf-worker-entry.cjs', import.meta.url).href;

export async function renderPdfs(
  invoices: readonly Invoice[],
  calls: ReadonlyMap<string, readonly CallDetail[]>,
  threads = availableParallelism(),
): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (invoices.length < INLINE_BELOW || threads < 2) {
    for (const inv of invoices) out.set(inv.invoice_id, invoicePdf(inv, calls.get(inv.invoice_id) ?? []));
    return out;
  }
  const pool = new Piscina({
    filename: PDF_WORKER,
    minThreads: threads,
    maxThreads: threads,
  });
  try {
    await Promise.all(
      invoices.map(async (inv) => {
        const task: PdfTask = { inv, calls: calls.get(inv.invoice_id) ?? [] };
        const bytes = (await pool.run(task)) as ArrayBuffer;
        out.set(inv.invoice_id, Buffer.from(bytes));
      }),
    );
  } finally {
    await pool.destroy();
  }
  return out;
}
