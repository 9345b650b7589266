/**
 * Month close on a store: issue the month's invoices (runInvoices, numbered at issue), write the
 * invoice files (JSON, CSV, HTML, PDF, and the itemised call detail read back from the store),
 * flag roaming abuse (flagRoamingAbuse) and read the finance summary. The month job runs it
 * after rating; `ratel invoice` runs it on a store the streaming pipeline fed; a library user
 * calls it with a clock of its own (`now`).
 *
 * Issuing stores the headers before any file is written, so files can go missing (a full disk,
 * an unwritable folder, a crash in between) while a rerun issues nothing. Every close therefore
 * also writes the files of the month's already-issued invoices that are absent, read back from
 * the store, and fails with OUTPUT_UNWRITABLE, before reporting anything, when a file could not
 * be written: a later run writes it.
 */
import type { AccountBook, Catalog } from '@ratel/rater';
import { errors } from '@ratel/schemas';
import { type Invoice, type InvoiceRunResult, issuedInvoiceIds, monthLabel, readIssuedInvoices, runInvoices } from './invoice.js';
import { hasInvoiceFiles, type InvoiceFilesResult, invoiceFolder, writeInvoiceFiles } from './invoice-render.js';
import type { InvoiceTerms } from './invoice-terms.js';
import { itemisedCalls } from './itemised.js';
import { renderPdfs } from './pdf-pool.js';
import type { AlertRow } from './rated-events.js';
import { flagRoamingAbuse } from './roaming-abuse.js';
import type { Store } from './store/store.js';
import { type FinanceSummary, financeSummary } from './summary.js';

export interface MonthClose {
  run: InvoiceRunResult;
  /** Folder the issued invoices were written to (JSON, CSV, HTML). */
  folder: string;
  /** Invoices issued by an earlier run whose missing files this close wrote. */
  repaired: number;
  roamingAbuse: AlertRow[];
  finance: FinanceSummary;
}

export interface CloseOptions {
  /** Destinations in the finance summary's top list. */
  top?: number;
  /** Seller, numbering, payment terms and legal text of the invoices. */
  terms?: InvoiceTerms;
  /** The clock of the close: the invoices' issue time. */
  now?: () => number;
}

export async function closeMonth(
  store: Store,
  catalog: Catalog,
  accounts: AccountBook,
  month: number,
  outDir: string,
  opts: CloseOptions = {},
): Promise<MonthClose> {
  const { top = 5, terms, now = Date.now } = opts;
  const run = await runInvoices(store, catalog, accounts, month, now, terms ? { terms } : {});
  const files = await writeMonthFiles(store, catalog, accounts, month, outDir, run.issued);
  const roamingAbuse = await flagRoamingAbuse(store, month);
  const finance = await financeSummary(store, month, top);
  return { run, folder: files.folder, repaired: files.written - run.issued.length, roamingAbuse, finance };
}

/**
 * Writes the files of the invoices just issued and of the month's earlier-issued invoices whose
 * files are missing. Throws OUTPUT_UNWRITABLE (one line: how many failed, the first path and
 * reason) when any could not be written.
 */
export async function writeMonthFiles(
  store: Store,
  catalog: Catalog,
  accounts: AccountBook,
  month: number,
  outDir: string,
  issued: readonly Invoice[],
): Promise<InvoiceFilesResult> {
  const folder = invoiceFolder(outDir, month);
  const fresh = new Set(issued.map((inv) => inv.account_id));
  const missing = (await issuedInvoiceIds(store, month))
    .filter((r) => !fresh.has(r.account_id) && !hasInvoiceFiles(folder, r.invoice_id))
    .map((r) => r.account_id);
  const earlier = (await readIssuedInvoices(store, month, missing)).map(
    (inv): Invoice => ({ ...inv, account_name: accounts.get(inv.account_id)?.name ?? inv.account_id }),
  );
  const all = [...issued, ...earlier];
  const calls = await itemisedCalls(store, catalog, accounts, all);
  const result = writeInvoiceFiles(outDir, month, all, calls, await renderPdfs(all, calls));
  const [first] = result.failed;
  if (first)
    throw errors.outputUnwritable(
      first.path,
      `${first.reason}: ${result.failed.length} of ${issued.length + earlier.length} invoice(s) of ${monthLabel(month)} not written; they are issued and kept in the store, run \`ratel invoice --month ${monthLabel(month)}\` again to write them`,
    );
  return result;
}
