/**
 * The PDF invoice (pdfkit, pure JS, the PDF standard fonts: no font files, no network): the
 * same content as the HTML page, seller and buyer, number and dates, the lines by section, the
 * totals with VAT per rate, the legal text, and the itemised calls per user as an appendix.
 * Built in memory and returned whole, so it is written like the other files (temp file + rename).
 * The same invoice gives the same bytes: the document's dates are the invoice's issue time.
 */
import { formatMoney } from '@ratel/schemas';
import PDFDocument from 'pdfkit';
import { type Invoice, monthLabel } from './invoice.js';
import { isDraft, addressLines as lines } from './invoice-terms.js';
import { callQuantityText, quantityText, SECTION_TITLES } from './invoice-text.js';
import { type CallDetail, callsByUser } from './itemised.js';

type Doc = InstanceType<typeof PDFDocument>;

const PAGE_W = 595.28;
const PAGE_H = 841.89;
const LEFT = 40;
const RIGHT = PAGE_W - 40;
/** Content stops here; the footer goes below. */
const BOTTOM = PAGE_H - 50;
const INK = '#1d2530';
const GREY = '#5a6572';
const BAND = '#1f3a5f';

const SECTIONS = ['recurring', 'option', 'termination', 'usage', 'overage', 'event', 'adjustment'];

/** Characters of WinAnsiEncoding beyond Latin-1, the encoding of the PDF standard fonts. */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const FALLBACK: Record<string, string> = { Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', ı: 'i', Ø: 'O', ø: 'o', '\u2009': ' ', '\u202f': ' ' };

/**
 * Text the standard fonts can show: a character outside WinAnsiEncoding loses its accent
 * (ő -> o) or becomes `?`, never a wrong glyph.
 */
export function pdfText(s: string): string {
  if (/^[\x20-\x7e]*$/.test(s)) return s;
  let out = '';
  for (const c of s) {
    const code = c.codePointAt(0) as number;
    if ((code >= 0x20 && code < 0x7f) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(c)) out += c;
    else if (c === '\n' || c === '\t') out += ' ';
    else {
      const base = FALLBACK[c] ?? c.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
      out +=
        [...base].every(
          (b) => (b.codePointAt(0) as number) < 0x7f || ((b.codePointAt(0) as number) >= 0xa0 && (b.codePointAt(0) as number) <= 0xff),
        ) && base !== ''
          ? base
          : '?';
    }
  }
  return out;
}

/** Text at a fixed place, never wrapped (a long value is cut to its width with an ellipsis). */
function cell(doc: Doc, s: string, x: number, y: number, width: number, align: 'left' | 'right' = 'left'): void {
  doc.text(pdfText(s), x, y, { width, align, lineBreak: false, ellipsis: true, height: doc.currentLineHeight() });
}

/** Column stops of the lines table: description, user, period, quantity, amount. */
const COLS = [
  { x: LEFT, w: 218, align: 'left' },
  { x: 262, w: 86, align: 'left' },
  { x: 350, w: 44, align: 'left' },
  { x: 396, w: 92, align: 'right' },
  { x: 490, w: RIGHT - 490, align: 'right' },
] as const;

class Writer {
  y = 40;
  constructor(
    readonly doc: Doc,
    readonly inv: Invoice,
  ) {}

  money(m: number): string {
    return `${formatMoney(m)} ${this.inv.currency}`;
  }

  /** Starts a new page when `h` points do not fit on this one; returns true when it did. */
  need(h: number): boolean {
    if (this.y + h <= BOTTOM) return false;
    this.doc.addPage();
    this.y = 40;
    return true;
  }

  header(): void {
    const { doc, inv } = this;
    if (isDraft(inv)) {
      doc
        .rect(LEFT, this.y, RIGHT - LEFT, 30)
        .lineWidth(1.5)
        .strokeColor('#b3261e')
        .stroke();
      doc.font('Helvetica-Bold').fontSize(9).fillColor('#b3261e');
      doc.text(
        'DRAFT: the seller identity is not configured (seller.name, seller.address, seller.companyNumber, seller.vatNumber); this is not a valid invoice.',
        LEFT + 8,
        this.y + 5,
        { width: RIGHT - LEFT - 16 },
      );
      this.y += 40;
    }
    const top = this.y;
    // Seller, left.
    doc.fillColor(INK).font('Helvetica-Bold').fontSize(11);
    doc.text(pdfText(inv.seller.name ?? 'Seller not configured'), LEFT, top, { width: 260 });
    doc.font('Helvetica').fontSize(9);
    const seller = [
      ...lines(inv.seller.address),
      ...(inv.seller.company_number ? [`Company no. ${inv.seller.company_number}`] : []),
      ...(inv.seller.vat_number ? [`VAT no. ${inv.seller.vat_number}`] : []),
    ];
    for (const l of seller) doc.text(pdfText(l), LEFT, doc.y, { width: 260 });
    const sellerEnd = doc.y;
    // Title and references, right.
    doc
      .font('Helvetica-Bold')
      .fontSize(18)
      .text('INVOICE', 330, top, { width: RIGHT - 330, align: 'right' });
    doc.font('Helvetica').fontSize(9);
    const refs: [string, string][] = [
      ['Invoice number', inv.number || '(not numbered)'],
      ['Issue date', inv.issue_date],
      ['Due date', `${inv.due_date} (${inv.payment_terms_days} days)`],
      ['Period', monthLabel(inv.month)],
      ['Account', inv.account_id],
    ];
    let ry = top + 26;
    for (const [k, v] of refs) {
      doc.fillColor(GREY);
      cell(doc, k, 330, ry, 90);
      doc.fillColor(INK);
      cell(doc, v, 420, ry, RIGHT - 420, 'right');
      ry += 12;
    }
    this.y = Math.max(sellerEnd, ry) + 14;
    // Buyer.
    doc.fillColor(GREY).font('Helvetica-Bold').fontSize(8).text('BILL TO', LEFT, this.y);
    doc
      .fillColor(INK)
      .font('Helvetica-Bold')
      .fontSize(10)
      .text(pdfText(inv.buyer.name), LEFT, doc.y + 2, { width: 300 });
    doc.font('Helvetica').fontSize(9);
    for (const l of [...lines(inv.buyer.address), ...(inv.buyer.vat_id ? [`VAT no. ${inv.buyer.vat_id}`] : [])])
      doc.text(pdfText(l), LEFT, doc.y, { width: 300 });
    this.y = doc.y + 18;
  }

  tableHead(): void {
    const { doc } = this;
    doc.font('Helvetica-Bold').fontSize(8).fillColor(GREY);
    ['Description', 'User', 'Period', 'Quantity', 'Amount'].forEach((h, i) => {
      const c = COLS[i] as (typeof COLS)[number];
      cell(doc, h, c.x, this.y, c.w, c.align);
    });
    this.y += 12;
    doc
      .moveTo(LEFT, this.y - 2)
      .lineTo(RIGHT, this.y - 2)
      .lineWidth(0.5)
      .strokeColor('#c9d0d8')
      .stroke();
  }

  linesTable(): void {
    const { doc, inv } = this;
    this.tableHead();
    for (const s of SECTIONS) {
      const ls = inv.lines.filter((l) => l.section === s);
      if (ls.length === 0) continue;
      if (this.need(16 + 14)) this.tableHead();
      doc
        .rect(LEFT, this.y, RIGHT - LEFT, 14)
        .fillColor('#eef2f6')
        .fill();
      doc.font('Helvetica-Bold').fontSize(8).fillColor(INK);
      cell(doc, (SECTION_TITLES[s] ?? s).toUpperCase(), LEFT + 4, this.y + 3, 300);
      this.y += 17;
      doc.font('Helvetica').fontSize(8.5);
      for (const l of ls) {
        const description = pdfText(l.description);
        const h = Math.max(doc.heightOfString(description, { width: COLS[0].w }), 10) + 5;
        if (this.need(h)) {
          this.tableHead();
          doc.font('Helvetica').fontSize(8.5);
        }
        doc.fillColor(INK);
        doc.text(description, COLS[0].x, this.y, { width: COLS[0].w });
        cell(doc, l.user_id, COLS[1].x, this.y, COLS[1].w);
        cell(doc, monthLabel(l.period), COLS[2].x, this.y, COLS[2].w);
        cell(doc, quantityText(l), COLS[3].x, this.y, COLS[3].w, 'right');
        cell(doc, this.money(l.amount_micros), COLS[4].x, this.y, COLS[4].w, 'right');
        this.y += h;
      }
    }
  }

  totals(): void {
    const { doc, inv } = this;
    const rows: [string, string, boolean][] = [
      ['Total excl. VAT', this.money(inv.total_excl_micros), false],
      ...inv.vat_breakdown.map((r): [string, string, boolean] => [
        `VAT ${inv.vat_country} ${r.vat_bp / 100}% on ${this.money(r.base_micros)}`,
        this.money(r.vat_micros),
        false,
      ]),
      ['Total VAT', this.money(inv.vat_micros), false],
      ['Total incl. VAT', this.money(inv.total_incl_micros), true],
    ];
    this.need(rows.length * 16 + 20);
    this.y += 10;
    const x = 300;
    for (const [label, value, grand] of rows) {
      if (grand) {
        doc
          .rect(x, this.y - 3, RIGHT - x, 18)
          .fillColor(BAND)
          .fill();
        doc.fillColor('#ffffff').font('Helvetica-Bold').fontSize(10.5);
      } else doc.fillColor(INK).font('Helvetica').fontSize(9.5);
      cell(doc, label, x + 6, this.y, 160);
      cell(doc, value, x + 166, this.y, RIGHT - x - 172, 'right');
      this.y += grand ? 20 : 15;
    }
    doc.fillColor(INK);
  }

  legal(): void {
    const { doc, inv } = this;
    doc.font('Helvetica').fontSize(8);
    const text = pdfText(`Payment due by ${inv.due_date}. ${inv.legal_text}`);
    const h = doc.heightOfString(text, { width: RIGHT - LEFT });
    this.need(h + 16);
    this.y += 12;
    doc.fillColor(GREY).text(text, LEFT, this.y, { width: RIGHT - LEFT });
    this.y = doc.y;
  }

  /** One user's calls: a title, a header row, a row per call, the user's total. */
  calls(calls: readonly CallDetail[]): void {
    const { doc, inv } = this;
    doc.addPage();
    this.y = 40;
    doc.fillColor(INK).font('Helvetica-Bold').fontSize(13);
    doc.text(pdfText(`Itemised calls, ${monthLabel(inv.month)} - invoice ${inv.number || inv.invoice_id}`), LEFT, this.y);
    doc.font('Helvetica').fontSize(8).fillColor(GREY);
    doc.text(
      "Times in the account's time zone; numbers ending in XXXX are masked. The costs of each line's records add up to the line.",
      LEFT,
      doc.y + 2,
      { width: RIGHT - LEFT },
    );
    this.y = doc.y + 8;
    if (calls.length === 0) {
      doc.fillColor(INK).fontSize(9).text('No calls or other usage this month.', LEFT, this.y);
      return;
    }
    for (const [user, list] of callsByUser(calls)) {
      this.need(40);
      doc
        .fillColor(INK)
        .font('Helvetica-Bold')
        .fontSize(10)
        .text(pdfText(`User ${user}`), LEFT, this.y);
      this.y = doc.y + 3;
      this.callHead();
      doc.font('Courier').fontSize(7);
      for (const c of list) {
        if (this.need(9)) {
          this.callHead();
          doc.font('Courier').fontSize(7);
        }
        doc.text(pdfText(callRow(c)), LEFT, this.y, { lineBreak: false });
        this.y += 9;
      }
      const total = list.reduce((s, c) => s + c.cost_micros, 0);
      this.need(14);
      doc.font('Helvetica-Bold').fontSize(8);
      cell(doc, `Total of user ${user} (${list.length} records)`, LEFT, this.y + 2, 300);
      cell(doc, this.money(total), 400, this.y + 2, RIGHT - 400, 'right');
      this.y += 18;
    }
  }

  callHead(): void {
    const { doc } = this;
    doc.font('Courier-Bold').fontSize(7).fillColor(GREY);
    doc.text(CALL_HEAD, LEFT, this.y, { lineBreak: false });
    this.y += 10;
    doc.fillColor(INK);
  }

  footers(): void {
    const { doc, inv } = this;
    const range = doc.bufferedPageRange();
    for (let i = 0; i < range.count; i++) {
      doc.switchToPage(range.start + i);
      doc.font('Helvetica').fontSize(7).fillColor(GREY);
      cell(doc, `${inv.seller.name ?? ''}`, LEFT, PAGE_H - 34, 300);
      cell(doc, `Invoice ${inv.number || inv.invoice_id} - page ${i + 1} of ${range.count}`, 340, PAGE_H - 34, RIGHT - 340, 'right');
    }
  }
}

/** Fixed columns of the calls table (Courier: every character the same width). */
const CALL_COLS = [19, 16, 30, 9, 7, 7, 12, 4];
const pad = (s: string, w: number, right = false): string => {
  const cut = s.length > w ? `${s.slice(0, w - 1)}~` : s;
  return right ? cut.padStart(w) : cut.padEnd(w);
};
const CALL_HEAD = [
  pad('Date and time', 19),
  pad('Number', 16),
  pad('Destination', 30),
  pad('Duration', 9, true),
  pad('Incl.', 7, true),
  pad('Billed', 7, true),
  pad('Cost', 12, true),
  pad('Line', 4, true),
].join(' ');

function callRow(c: CallDetail): string {
  const qty = callQuantityText(c);
  const w = CALL_COLS as [number, number, number, number, number, number, number, number];
  return [
    pad(c.local_time, w[0]),
    pad(c.number, w[1]),
    pad(c.destination, w[2]),
    pad(qty, w[3], true),
    pad(String(c.included_qty), w[4], true),
    pad(String(c.billed_qty), w[5], true),
    pad(formatMoney(c.cost_micros), w[6], true),
    pad(String(c.line_no), w[7], true),
  ].join(' ');
}

/** The invoice as PDF bytes; with `calls`, the itemised detail as an appendix. */
export function invoicePdf(inv: Invoice, calls?: readonly CallDetail[]): Buffer {
  const at = new Date(inv.issued_at_ms);
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 40, left: LEFT, right: PAGE_W - RIGHT, bottom: 20 },
    bufferPages: true,
    autoFirstPage: true,
    info: {
      Title: `Invoice ${inv.number || inv.invoice_id}`,
      Author: inv.seller.name ?? '',
      Subject: `${inv.account_name}, ${monthLabel(inv.month)}`,
      Creator: 'ratel',
      Producer: 'ratel (pdfkit)',
      CreationDate: at,
      ModDate: at,
    },
  });
  const w = new Writer(doc, inv);
  w.header();
  w.linesTable();
  w.totals();
  w.legal();
  if (calls !== undefined) w.calls(calls);
  w.footers();
  doc.end();
  // pdfkit pushes the whole document into its readable buffer on end(): read it out at once.
  const chunks: Buffer[] = [];
  for (let c = doc.read() as Buffer | null; c !== null; c = doc.read() as Buffer | null) chunks.push(c);
  return Buffer.concat(chunks);
}
