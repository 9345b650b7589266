/** Invoice outputs: JSON, CSV and a plain-text rendering for the terminal. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatMoney } from '@ratel/schemas';
import type { Invoice } from './invoice.js';

export function invoiceJson(inv: Invoice): string {
  const money = (m: number) => formatMoney(m);
  return `${JSON.stringify(
    {
      ...inv,
      total_excl: money(inv.total_excl_micros),
      vat: money(inv.vat_micros),
      total_incl: money(inv.total_incl_micros),
      lines: inv.lines.map((l) => ({ ...l, amount: money(l.amount_micros) })),
    },
    null,
    2,
  )}\n`;
}

const csvCell = (v: string | number): string => {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function invoiceCsv(inv: Invoice): string {
  const head = 'invoice_id,line_no,section,description,user_id,quantity,included_qty,billed_qty,unit,amount';
  const rows = inv.lines.map((l) =>
    [
      inv.invoice_id,
      l.line_no,
      l.section,
      l.description,
      l.user_id,
      l.quantity,
      l.included_qty,
      l.billed_qty,
      l.unit,
      formatMoney(l.amount_micros),
    ]
      .map(csvCell)
      .join(','),
  );
  const tot = (label: string, m: number) => [inv.invoice_id, '', 'total', label, '', '', '', '', '', formatMoney(m)].map(csvCell).join(',');
  return `${[head, ...rows, tot('Total excl. VAT', inv.total_excl_micros), tot(`VAT ${inv.vat_country} ${inv.vat_bp / 100}%`, inv.vat_micros), tot('Total incl. VAT', inv.total_incl_micros)].join('\n')}\n`;
}

export function invoiceText(inv: Invoice): string {
  const w = 58;
  const amt = (m: number) => formatMoney(m).padStart(12);
  const out = [`Invoice ${inv.invoice_id}  ${inv.account_name}  (${inv.currency}, excl. VAT unless stated)`];
  for (const l of inv.lines) {
    const qty = l.section === 'usage' || l.section === 'event' ? `  [${l.included_qty} incl / ${l.billed_qty} billed ${l.unit}]` : '';
    out.push(`  ${(l.description + qty).slice(0, w).padEnd(w)}${amt(l.amount_micros)}`);
  }
  out.push(`  ${'Total excl. VAT'.padEnd(w)}${amt(inv.total_excl_micros)}`);
  out.push(`  ${`VAT ${inv.vat_country} ${inv.vat_bp / 100}%`.padEnd(w)}${amt(inv.vat_micros)}`);
  out.push(`  ${'Total incl. VAT'.padEnd(w)}${amt(inv.total_incl_micros)}`);
  return out.join('\n');
}

/** Writes <dir>/<month>/<invoice_id>.json and .csv for each invoice; returns the folder. */
export function writeInvoiceFiles(dir: string, month: number, invoices: readonly Invoice[]): string {
  const folder = join(dir, String(month));
  mkdirSync(folder, { recursive: true });
  for (const inv of invoices) {
    writeFileSync(join(folder, `${inv.invoice_id}.json`), invoiceJson(inv));
    writeFileSync(join(folder, `${inv.invoice_id}.csv`), invoiceCsv(inv));
  }
  return folder;
}
