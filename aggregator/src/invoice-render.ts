/**
 * Invoice outputs: JSON, CSV, a printable HTML page, a PDF (invoice-pdf.ts), the itemised call
 * detail as CSV, a plain-text rendering for the terminal, and the invoice files of a month
 * (`<out>/<yyyymm>/<file stem>.json|.csv|.html|.pdf|.calls.csv`).
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { errors, formatMoney, isRatelError } from '@ratel/schemas';
import { type Invoice, type InvoiceLine, monthLabel, type VatAtRate } from './invoice.js';
import { invoicePdf } from './invoice-pdf.js';
import { addressLines, isDraft } from './invoice-terms.js';
import { callQuantityText, quantityText, SECTION_TITLES } from './invoice-text.js';

export { callQuantityText };

import { type CallDetail, callsByUser } from './itemised.js';

/**
 * The invoice with its keys in one fixed order, whether it was just built or read back from the
 * store, so a file written again on a rerun is the same as the one first written.
 */
function canonicalJson(inv: Invoice) {
  const money = (m: number) => formatMoney(m);
  const line = (l: InvoiceLine) => ({
    section: l.section,
    period: l.period,
    description: l.description,
    user_id: l.user_id,
    quantity: l.quantity,
    included_qty: l.included_qty,
    billed_qty: l.billed_qty,
    unit: l.unit,
    amount_micros: l.amount_micros,
    line_no: l.line_no,
    amount: money(l.amount_micros),
  });
  return {
    invoice_id: inv.invoice_id,
    number: inv.number,
    account_id: inv.account_id,
    account_name: inv.account_name,
    month: inv.month,
    issued_at_ms: inv.issued_at_ms,
    issue_date: inv.issue_date,
    due_date: inv.due_date,
    payment_terms_days: inv.payment_terms_days,
    seller: {
      name: inv.seller.name,
      address: inv.seller.address,
      company_number: inv.seller.company_number,
      vat_number: inv.seller.vat_number,
    },
    buyer: { name: inv.buyer.name, address: inv.buyer.address, vat_id: inv.buyer.vat_id },
    currency: inv.currency,
    vat_country: inv.vat_country,
    vat_bp: inv.vat_bp,
    total_excl_micros: inv.total_excl_micros,
    vat_micros: inv.vat_micros,
    total_incl_micros: inv.total_incl_micros,
    catalog_version: inv.catalog_version,
    lines: inv.lines.map(line),
    total_excl: money(inv.total_excl_micros),
    vat_breakdown: inv.vat_breakdown.map((r) => ({
      vat_bp: r.vat_bp,
      base_micros: r.base_micros,
      vat_micros: r.vat_micros,
      rate: `${r.vat_bp / 100}%`,
      base: money(r.base_micros),
      vat: money(r.vat_micros),
    })),
    vat: money(inv.vat_micros),
    total_incl: money(inv.total_incl_micros),
    legal_text: inv.legal_text,
  };
}

export function invoiceJson(inv: Invoice): string {
  return `${JSON.stringify(canonicalJson(inv), null, 2)}\n`;
}

/**
 * A spreadsheet evaluates a cell starting with one of these as a formula (OWASP "CSV injection"):
 * `=1+2`, `+cmd|...`, `-2+3`, `@SUM(...)`, and tab or carriage return before any of them.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Quotes a cell holding a separator, a quote or a line break (RFC 4180). */
const quoted = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * A text cell (ids, names, descriptions, units: free text from the accounts file and the
 * catalog). One that a spreadsheet would read as a formula gets a leading single quote, which
 * spreadsheets show as text; the cell is then quoted as needed.
 */
export function csvText(v: string): string {
  return quoted(FORMULA_START.test(v) ? `'${v}` : v);
}

/**
 * A numeric cell the code itself formats (quantities, line numbers, amounts from formatMoney).
 * A genuine number such as `-12.50` stays as it is so credits remain numbers in a spreadsheet;
 * anything else is treated as text, so a numeric column can never carry a formula either.
 */
export function csvNumber(v: number | string): string {
  const s = String(v);
  return /^-?\d+(\.\d+)?$/.test(s) ? s : csvText(s);
}

const CSV_HEAD = 'invoice_id,line_no,section,period,description,user_id,quantity,included_qty,billed_qty,unit,amount,invoice_number';

/** `VAT FR 20%`: the label of a VAT rate's total. */
export const vatLabel = (inv: Pick<Invoice, 'vat_country'>, r: Pick<VatAtRate, 'vat_bp'>): string =>
  `VAT ${inv.vat_country} ${r.vat_bp / 100}%`;

/**
 * The invoice as CSV, one row per line, then the total excl. VAT, one VAT row per rate and the
 * total incl. VAT; every row ends with the invoice number. Text columns are neutralised
 * (csvText), numeric columns written as numbers (csvNumber).
 */
export function invoiceCsv(inv: Invoice): string {
  const id = csvText(inv.invoice_id);
  const num = csvText(inv.number);
  const rows = inv.lines.map((l) =>
    [
      id,
      csvNumber(l.line_no),
      csvText(l.section),
      csvNumber(l.period),
      csvText(l.description),
      csvText(l.user_id),
      csvNumber(l.quantity),
      csvNumber(l.included_qty),
      csvNumber(l.billed_qty),
      csvText(l.unit),
      csvNumber(formatMoney(l.amount_micros)),
      num,
    ].join(','),
  );
  const tot = (label: string, m: number) =>
    [id, '', 'total', '', csvText(label), '', '', '', '', '', csvNumber(formatMoney(m)), num].join(',');
  const totals = [
    tot('Total excl. VAT', inv.total_excl_micros),
    ...inv.vat_breakdown.map((r) => tot(vatLabel(inv, r), r.vat_micros)),
    tot('Total incl. VAT', inv.total_incl_micros),
  ];
  return `${[CSV_HEAD, ...rows, ...totals].join('\n')}\n`;
}

export function invoiceText(inv: Invoice): string {
  const w = 80;
  const amt = (m: number) => formatMoney(m).padStart(12);
  const out = [
    `Invoice ${inv.invoice_id}  ${inv.number}  ${inv.account_name}  issued ${inv.issue_date}, due ${inv.due_date}  (${inv.currency}, excl. VAT unless stated)`,
  ];
  for (const l of inv.lines) {
    const qty =
      l.section === 'overage'
        ? `  [${l.quantity} ${l.unit} billed]`
        : l.section === 'usage' || l.section === 'event'
          ? `  [${l.included_qty} incl / ${l.billed_qty} billed ${l.unit}]`
          : '';
    out.push(`  ${(l.description + qty).slice(0, w).padEnd(w)}${amt(l.amount_micros)}`);
  }
  out.push(`  ${'Total excl. VAT'.padEnd(w)}${amt(inv.total_excl_micros)}`);
  for (const r of inv.vat_breakdown) out.push(`  ${`${vatLabel(inv, r)} on ${formatMoney(r.base_micros)}`.padEnd(w)}${amt(r.vat_micros)}`);
  out.push(`  ${'Total incl. VAT'.padEnd(w)}${amt(inv.total_incl_micros)}`);
  return out.join('\n');
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The itemised calls of one user, as HTML rows, and their total. */
function callsHtml(inv: Invoice, calls: readonly CallDetail[]): string {
  const m = (x: number) => `${formatMoney(x)}&nbsp;${esc(inv.currency)}`;
  if (calls.length === 0) return '<p>No calls or other usage this month.</p>';
  return callsByUser(calls)
    .map(([user, list]) => {
      const rows = list
        .map(
          (c) =>
            `<tr><td>${esc(c.local_time)}</td><td>${esc(c.number)}</td><td>${esc(c.destination)}</td><td class="num">${esc(callQuantityText(c))}</td><td class="num">${c.included_qty}</td><td class="num">${c.billed_qty}</td><td class="num">${m(c.cost_micros)}</td><td class="num">${c.line_no}</td></tr>`,
        )
        .join('\n');
      const total = list.reduce((sum, c) => sum + c.cost_micros, 0);
      return `<h3>User ${esc(user)}</h3>
<table class="calls">
<thead><tr><th>Date and time</th><th>Number</th><th>Destination</th><th class="num">Duration</th><th class="num">Included</th><th class="num">Billed</th><th class="num">Cost</th><th class="num">Line</th></tr></thead>
<tbody>
${rows}
<tr class="subtotal"><td colspan="6">Total of user ${esc(user)} (${list.length} records)</td><td class="num">${m(total)}</td><td></td></tr>
</tbody></table>`;
    })
    .join('\n');
}

/**
 * A self-contained, printable HTML invoice (no external assets): seller and buyer, number, issue
 * and due dates, lines by section, totals with VAT per rate, legal text; with `calls`, the
 * itemised call detail per user as an appendix.
 */
export function invoiceHtml(inv: Invoice, calls?: readonly CallDetail[]): string {
  const m = (x: number) => `${formatMoney(x)}&nbsp;${esc(inv.currency)}`;
  const sections = ['recurring', 'option', 'termination', 'usage', 'overage', 'event', 'adjustment']
    .map((s) => {
      const lines = inv.lines.filter((l) => l.section === s);
      if (!lines.length) return '';
      const rows = lines
        .map(
          (l) =>
            `<tr><td>${esc(l.description)}</td><td>${l.user_id ? esc(l.user_id) : ''}</td><td>${monthLabel(l.period)}</td><td class="num">${esc(quantityText(l))}</td><td class="num">${m(l.amount_micros)}</td></tr>`,
        )
        .join('\n');
      return `<tr class="section"><th colspan="5">${SECTION_TITLES[s]}</th></tr>\n${rows}`;
    })
    .filter((section) => section !== '')
    .join('\n');
  const lines = (xs: (string | null)[]) =>
    xs
      .filter((x): x is string => !!x)
      .map(esc)
      .join('<br>');
  const seller = lines([
    inv.seller.name ?? 'Seller not configured',
    ...addressLines(inv.seller.address),
    inv.seller.company_number && `Company no. ${inv.seller.company_number}`,
    inv.seller.vat_number && `VAT no. ${inv.seller.vat_number}`,
  ]);
  const buyer = lines([inv.buyer.name, ...addressLines(inv.buyer.address), inv.buyer.vat_id && `VAT no. ${inv.buyer.vat_id}`]);
  const draft = isDraft(inv)
    ? '<div class="draft">DRAFT: the seller identity is not configured (seller.name, seller.address, seller.companyNumber, seller.vatNumber); this is not a valid invoice.</div>\n'
    : '';
  const vatRows = inv.vat_breakdown
    .map(
      (r) =>
        `<tr><td>${esc(vatLabel(inv, r))} on ${m(r.base_micros)}</td><td class="num" id="vat-${r.vat_bp}">${m(r.vat_micros)}</td></tr>`,
    )
    .join('\n');
  const appendix =
    calls === undefined
      ? ''
      : `<section class="appendix">
<h2>Itemised calls, ${monthLabel(inv.month)}</h2>
<p class="meta">Times in the account's time zone; numbers ending in XXXX are masked. The costs of each line's records add up to the line.</p>
${callsHtml(inv, calls)}
</section>
`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Invoice ${esc(inv.number || inv.invoice_id)}</title>
<style>
  body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 32px; color: #1d2530; }
  h1 { font-size: 24px; margin: 0 0 4px; } .meta { color: #5a6572; margin-bottom: 16px; }
  .parties { display: flex; justify-content: space-between; gap: 32px; margin-bottom: 16px; font-size: 13px; }
  .parties h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #5a6572; margin: 0 0 4px; }
  .draft { border: 2px solid #b3261e; color: #b3261e; padding: 8px; margin-bottom: 16px; font-weight: bold; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  td, th { padding: 6px 8px; border-bottom: 1px solid #e3e7ec; text-align: left; }
  table.calls { font-size: 11px; } table.calls td, table.calls th { padding: 3px 6px; }
  table.calls tr.subtotal td { font-weight: bold; }
  .num { text-align: right; white-space: nowrap; }
  tr.section th { background: #eef2f6; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
  table.totals { width: 420px; margin: 24px 0 0 auto; font-size: 15px; }
  table.totals tr.grand td { background: #1f3a5f; color: #ffffff; font-weight: bold; font-size: 17px; }
  .legal { font-size: 11px; color: #5a6572; margin-top: 24px; }
  .appendix { page-break-before: always; margin-top: 32px; } .appendix h3 { font-size: 14px; margin: 16px 0 4px; }
</style></head>
<body>
${draft}<h1>Invoice ${esc(inv.number || inv.invoice_id)}</h1>
<div class="meta">issued ${esc(inv.issue_date)} &middot; due ${esc(inv.due_date)} (${inv.payment_terms_days} days) &middot; period ${monthLabel(inv.month)} &middot; account ${esc(inv.account_id)} &middot; ${esc(inv.account_name)} &middot; amounts excl. VAT</div>
<div class="parties"><div><h2>Seller</h2>${seller}</div><div><h2>Bill to</h2>${buyer}</div></div>
<table>
<thead><tr><th>Description</th><th>User</th><th>Period</th><th class="num">Quantity</th><th class="num">Amount</th></tr></thead>
<tbody>
${sections}
</tbody></table>
<table class="totals">
<tr><td>Total excl. VAT</td><td class="num" id="total-excl">${m(inv.total_excl_micros)}</td></tr>
${vatRows}
<tr><td>Total VAT</td><td class="num" id="vat">${m(inv.vat_micros)}</td></tr>
<tr class="grand"><td>Total incl. VAT</td><td class="num" id="total-incl">${m(inv.total_incl_micros)}</td></tr>
</table>
<p class="legal">Due date ${esc(inv.due_date)}. ${esc(inv.legal_text)}</p>
${appendix}</body></html>
`;
}

const CALLS_HEAD =
  'invoice_number,invoice_id,user_id,line_no,date_time,kind,direction,number,destination,quantity,included_qty,billed_qty,unit,cost';

/**
 * The itemised call detail as CSV: one row per call (or message, data session, service event),
 * by user then time, each with the invoice line its cost is on.
 */
export function callsCsv(inv: Invoice, calls: readonly CallDetail[]): string {
  const num = csvText(inv.number);
  const id = csvText(inv.invoice_id);
  const rows = calls.map((c) =>
    [
      num,
      id,
      csvText(c.user_id),
      csvNumber(c.line_no),
      csvText(c.local_time),
      csvText(c.kind),
      csvText(c.direction),
      csvText(c.number),
      csvText(c.destination),
      csvNumber(c.quantity),
      csvNumber(c.included_qty),
      csvNumber(c.billed_qty),
      csvText(c.unit),
      csvNumber(formatMoney(c.cost_micros)),
    ].join(','),
  );
  return `${[CALLS_HEAD, ...rows].join('\n')}\n`;
}

/** Bytes of a file stem at most: room for the extension and a temporary suffix under 255. */
export const MAX_STEM_BYTES = 200;
const HASH_CHARS = 16;
const SAFE_CHAR = /^[A-Za-z0-9._-]$/;

/**
 * The file stem of an invoice id (or any id): a reversible, injective encoding that is always
 * one plain file name.
 *   - `A-Z a-z 0-9 . _ -` are kept, except a leading `.` (no `.`, `..` or hidden files);
 *   - every other UTF-8 byte becomes `%XX` (upper-case hex), `%` itself included, so `/`, `\`,
 *     NUL, spaces and non-ASCII letters can never reach the file system as themselves;
 *   - a stem longer than MAX_STEM_BYTES is cut (never inside a `%XX`) and ends in `~` and 16 hex
 *     digits of the id's SHA-256. `~` is never kept by the encoding, so such a name cannot be
 *     another id's; it is no longer reversible (the id is inside the file).
 * Decode with decodeFileStem. An empty id is refused.
 */
export function encodeFileStem(id: string): string {
  if (id === '') throw errors.outputUnwritable('(empty id)', 'an empty id has no file name');
  const utf8 = Buffer.from(id, 'utf8');
  let out = '';
  for (const byte of utf8) {
    const c = String.fromCharCode(byte);
    out += SAFE_CHAR.test(c) && !(out === '' && c === '.') ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  // Ill-formed UTF-16 (a lone surrogate) has no exact UTF-8 form: hashed, so two never meet.
  if (out.length <= MAX_STEM_BYTES && utf8.toString('utf8') === id) return out;
  let cut = MAX_STEM_BYTES - HASH_CHARS - 1;
  const pct = out.lastIndexOf('%', cut - 1);
  if (pct > cut - 3) cut = pct;
  const hash = createHash('sha256').update(id, 'utf16le').digest('hex').slice(0, HASH_CHARS);
  return `${out.slice(0, cut)}~${hash}`;
}

/** The id a file stem was made from, or null for a cut (hashed) stem, which cannot be reversed. */
export function decodeFileStem(stem: string): string | null {
  if (stem.includes('~')) return null;
  return decodeURIComponent(stem);
}

/** The folder of a month's invoice files: <dir>/<yyyymm>. */
export function invoiceFolder(dir: string, month: number): string {
  if (!Number.isInteger(month) || month < 100_001 || month > 999_912) throw errors.outputUnwritable(dir, `not a month: ${month}`);
  return resolve(dir, String(month));
}

export const INVOICE_FILE_TYPES = ['json', 'csv', 'html', 'pdf', 'calls'] as const;

const EXTENSIONS: Record<(typeof INVOICE_FILE_TYPES)[number], string> = {
  json: 'json',
  csv: 'csv',
  html: 'html',
  pdf: 'pdf',
  calls: 'calls.csv',
};

/** The paths of an invoice's files, each checked to resolve to a file directly in `folder`. */
export function invoiceFilePaths(folder: string, invoiceId: string): Record<(typeof INVOICE_FILE_TYPES)[number], string> {
  const root = resolve(folder);
  const stem = encodeFileStem(invoiceId);
  const inside = (name: string): string => {
    const p = resolve(root, name);
    if (dirname(p) !== root || basename(p) !== name)
      throw errors.outputUnwritable(p, `invoice ${JSON.stringify(invoiceId)} leaves ${root}`);
    return p;
  };
  // Invoice ids end in -yyyymm, so `<stem>.calls.csv` is never another invoice's `<stem>.csv`.
  const paths = {} as Record<(typeof INVOICE_FILE_TYPES)[number], string>;
  for (const type of INVOICE_FILE_TYPES) paths[type] = inside(`${stem}.${EXTENSIONS[type]}`);
  return paths;
}

/** Whether all the files of an invoice are there (each is written whole or not at all). */
export function hasInvoiceFiles(folder: string, invoiceId: string): boolean {
  return Object.values(invoiceFilePaths(folder, invoiceId)).every((p) => kindOf(p) === 'file');
}

/** A short, one-line reason: the system error code (EACCES, ENOSPC...) when there is one. */
function reasonOf(e: unknown): string {
  if (isRatelError(e)) return e.message;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code) return code;
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

/**
 * Creates a folder and its missing parents, one level at a time, and checks it is writable.
 * Node's recursive mkdirSync never returns for a path under /proc (mkdir answers ENOENT there),
 * so it is not used. Throws OUTPUT_UNWRITABLE naming the folder.
 */
export function ensureWritableDir(dir: string): string {
  const abs = resolve(dir);
  makeDir(abs);
  try {
    accessSync(abs, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw errors.outputUnwritable(abs, `folder is not writable (${reasonOf(e)})`);
  }
  return abs;
}

function makeDir(abs: string): void {
  const kind = kindOf(abs);
  if (kind === 'dir') return;
  if (kind !== 'none') throw errors.outputUnwritable(abs, 'exists and is not a folder');
  const parent = dirname(abs);
  if (parent !== abs) makeDir(parent);
  try {
    mkdirSync(abs);
  } catch (e) {
    if (kindOf(abs) !== 'dir') throw errors.outputUnwritable(abs, `cannot create folder (${reasonOf(e)})`);
  }
}

function kindOf(p: string): 'dir' | 'file' | 'other' | 'none' {
  try {
    const st = statSync(p);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  } catch {
    return 'none';
  }
}

/** Writes a file whole or not at all: a file that exists is complete, so a rerun may trust it. */
function writeWhole(path: string, text: string | Buffer): void {
  const tmp = `${path}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export interface InvoiceFileFailure {
  invoice_id: string;
  path: string;
  reason: string;
}

export interface InvoiceFilesResult {
  /** Absolute folder of the month's files. */
  folder: string;
  written: number;
  failed: InvoiceFileFailure[];
}

/**
 * Writes <dir>/<month>/<stem>.html, .calls.csv, .pdf, .csv and .json for each invoice (stem =
 * encodeFileStem of the invoice id), with the itemised detail of `calls` (by invoice id; none
 * when absent) in the calls CSV and as the appendix of the HTML and PDF. One invoice that cannot
 * be written does not stop the others: failures are returned, for the caller to report. The
 * folder itself failing throws OUTPUT_UNWRITABLE.
 */
export function writeInvoiceFiles(
  dir: string,
  month: number,
  invoices: readonly Invoice[],
  calls: ReadonlyMap<string, readonly CallDetail[]> = new Map(),
  /** PDFs laid out already (renderPdfs), by invoice id; the others are laid out here. */
  pdfs: ReadonlyMap<string, Buffer> = new Map(),
): InvoiceFilesResult {
  const folder = ensureWritableDir(invoiceFolder(dir, month));
  const result: InvoiceFilesResult = { folder, written: 0, failed: [] };
  for (const inv of invoices) {
    let path = folder;
    try {
      const paths = invoiceFilePaths(folder, inv.invoice_id);
      const detail = calls.get(inv.invoice_id) ?? [];
      // JSON last: a complete JSON file means the invoice's files are all there.
      for (const [type, text] of [
        ['html', () => invoiceHtml(inv, detail)],
        ['calls', () => callsCsv(inv, detail)],
        ['pdf', () => pdfs.get(inv.invoice_id) ?? invoicePdf(inv, detail)],
        ['csv', () => invoiceCsv(inv)],
        ['json', () => invoiceJson(inv)],
      ] as const) {
        path = paths[type];
        writeWhole(path, text());
      }
      result.written++;
    } catch (e) {
      result.failed.push({ invoice_id: inv.invoice_id, path, reason: reasonOf(e) });
    }
  }
  return result;
}
