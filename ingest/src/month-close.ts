/**
 * Month close on a store: issue the month's invoices (runInvoices), flag roaming abuse
 * (flagRoamingAbuse), write the invoice files and read the finance summary. The month job runs
 * it after rating; `ratel invoice` runs it on a store the streaming pipeline fed.
 */
import {
  type AlertRow,
  type FinanceSummary,
  financeSummary,
  flagRoamingAbuse,
  type InvoiceRunResult,
  runInvoices,
  type Store,
  writeInvoiceFiles,
} from '@ratel/aggregator';
import type { AccountBook, Catalog } from '@ratel/rater';

export interface MonthClose {
  run: InvoiceRunResult;
  /** Folder the issued invoices were written to (JSON, CSV, HTML). */
  folder: string;
  roamingAbuse: AlertRow[];
  finance: FinanceSummary;
}

export async function closeMonth(
  store: Store,
  catalog: Catalog,
  accounts: AccountBook,
  month: number,
  outDir: string,
  top = 5,
): Promise<MonthClose> {
  const run = await runInvoices(store, catalog, accounts, month);
  const folder = writeInvoiceFiles(outDir, month, run.issued);
  const roamingAbuse = await flagRoamingAbuse(store, month);
  const finance = await financeSummary(store, month, top);
  return { run, folder, roamingAbuse, finance };
}
