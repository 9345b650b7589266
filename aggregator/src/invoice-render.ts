/** Invoice outputs: JSON, CSV and a plain-text rendering for the terminal. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatMoney } from '@ratel/schemas';
import { type Invoice, monthLabel } from './invoice.js';

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
  const head = 'invoice_id,line_no,section,period,description,user_id,quantity,included_qty,billed_qty,unit,amount';
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
  const tot = (label: string, m: number) =>
    [inv.invoice_id, '', 'total', '', label, '', '', '', '', '', formatMoney(m)].map(csvCell).join(',');
  return `${[head, ...rows, tot('Total excl. VAT', inv.total_excl_micros), tot(`VAT ${inv.vat_country} ${inv.vat_bp / 100}%`, inv.vat_micros), tot('Total incl. VAT', inv.total_incl_micros)].join('\n')}\n`;
}

export function invoiceText(inv: Invoice): string {
  const w = 58;
  const amt = (m: number) => formatMoney(m).padStart(12);
  const out = [`Invoice ${inv.invoice_id}  ${inv.account_name}  (${inv.currency}, excl. VAT unless stated)`];
  for (const l of inv.lines) {
    const qty =
      l.section === 'usage' || l.section === 'overage' || l.section === 'event'
        ? `  [${l.included_qty} incl / ${l.billed_qty} billed ${l.unit}]`
        : '';
    out.push(`  ${(l.description + qty).slice(0, w).padEnd(w)}${amt(l.amount_micros)}`);
  }
  out.push(`  ${'Total excl. VAT'.padEnd(w)}${amt(inv.total_excl_micros)}`);
  out.push(`  ${`VAT ${inv.vat_country} ${inv.vat_bp / 100}%`.padEnd(w)}${amt(inv.vat_micros)}`);
  out.push(`  ${'Total incl. VAT'.padEnd(w)}${amt(inv.total_incl_micros)}`);
  return out.join('\n');
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const SECTION_TITLES: Record<string, string> = {
  recurring: 'Subscriptions',
  option: 'Options',
  usage: 'Usage',
  overage: 'Fair-use overage',
  event: 'Services',
  adjustment: 'Adjustments (earlier months)',
};

/** A self-contained, printable HTML invoice (no external assets). */
export function invoiceHtml(inv: Invoice): string {
  const m = (x: number) => `${formatMoney(x)}&nbsp;${esc(inv.currency)}`;
  const sections = ['recurring', 'option', 'usage', 'overage', 'event', 'adjustment']
    .map((s) => {
      const lines = inv.lines.filter((l) => l.section === s);
      if (!lines.length) return '';
      const rows = lines
        .map((l) => {
          const qty =
            l.section === 'usage' || l.section === 'overage' || l.section === 'event'
              ? `${l.included_qty} incl. / ${l.billed_qty} billed ${esc(l.unit)}`
              : `${l.quantity} ${esc(l.unit)}`;
          return `<tr><td>${esc(l.description)}</td><td>${l.user_id ? esc(l.user_id) : ''}</td><td>${monthLabel(l.period)}</td><td class="num">${qty}</td><td class="num">${m(l.amount_micros)}</td></tr>`;
        })
        .join('\n');
      return `<tr class="section"><th colspan="5">${SECTION_TITLES[s]}</th></tr>\n${rows}`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Invoice ${esc(inv.invoice_id)}</title>
<style>
  body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 32px; color: #1d2530; }
  h1 { font-size: 24px; margin: 0 0 4px; } .meta { color: #5a6572; margin-bottom: 24px; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  td, th { padding: 6px 8px; border-bottom: 1px solid #e3e7ec; text-align: left; }
  .num { text-align: right; white-space: nowrap; }
  tr.section th { background: #eef2f6; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
  table.totals { width: 360px; margin: 24px 0 0 auto; font-size: 15px; }
  table.totals tr.grand td { background: #1f3a5f; color: #ffffff; font-weight: bold; font-size: 17px; }
</style></head>
<body>
<h1>Invoice ${esc(inv.invoice_id)}</h1>
<div class="meta">${esc(inv.account_name)} &middot; account ${esc(inv.account_id)} &middot; period ${monthLabel(inv.month)} &middot; issued ${new Date(inv.issued_at_ms).toISOString().slice(0, 10)} &middot; amounts excl. VAT</div>
<table>
<thead><tr><th>Description</th><th>User</th><th>Period</th><th class="num">Quantity</th><th class="num">Amount</th></tr></thead>
<tbody>
${sections}
</tbody></table>
<table class="totals">
<tr><td>Total excl. VAT</td><td class="num" id="total-excl">${m(inv.total_excl_micros)}</td></tr>
<tr><td>VAT ${esc(inv.vat_country)} ${inv.vat_bp / 100}%</td><td class="num" id="vat">${m(inv.vat_micros)}</td></tr>
<tr class="grand"><td>Total incl. VAT</td><td class="num" id="total-incl">${m(inv.total_incl_micros)}</td></tr>
</table>
</body></html>
`;
}

/** Writes <dir>/<month>/<invoice_id>.json, .csv and .html for each invoice; returns the folder. */
export function writeInvoiceFiles(dir: string, month: number, invoices: readonly Invoice[]): string {
  const folder = join(dir, String(month));
  mkdirSync(folder, { recursive: true });
  for (const inv of invoices) {
    writeFileSync(join(folder, `${inv.invoice_id}.json`), invoiceJson(inv));
    writeFileSync(join(folder, `${inv.invoice_id}.csv`), invoiceCsv(inv));
    writeFileSync(join(folder, `${inv.invoice_id}.html`), invoiceHtml(inv));
  }
  return folder;
}
