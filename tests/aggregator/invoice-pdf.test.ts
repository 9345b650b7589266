/**
 * The PDF invoice, read back with poppler (Debian `poppler-utils`, installed by
 * deploy/poppler.sh): pdftoppm renders every page to PNG (not blank), pdftotext gives back the
 * number, the dates, the parties and the totals, which equal the JSON invoice.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeFileStem, type Invoice, invoicePdf } from '@ratel/aggregator';
import { formatMoney } from '@ratel/schemas';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClosedMonth, closedMonth } from './closed-month-fixture.js';

const tool = (name: string): string => {
  for (const dir of ['/usr/bin', '/usr/local/bin']) if (readdirSync(dir).includes(name)) return join(dir, name);
  throw new Error(`${name} not found: run \`bash deploy/poppler.sh\` (npm test does this)`);
};

let m: ClosedMonth;
beforeAll(async () => {
  m = await closedMonth('pdf');
}, 60_000);
afterAll(() => m?.close());

const fileOf = (inv: Invoice, ext: string) => join(m.out, String(m.month), `${encodeFileStem(inv.invoice_id)}.${ext}`);
const text = (pdf: string): string => execFileSync(tool('pdftotext'), ['-layout', pdf, '-'], { encoding: 'utf8' });
const amount = (t: string, label: string): string | undefined =>
  new RegExp(`${label.replace(/\./g, '\\.')}\\s+(-?\\d+\\.\\d\\d) EUR`).exec(t)?.[1];

describe('PDF invoice', () => {
  it('is written for every invoice beside JSON, CSV, HTML and the calls CSV', () => {
    const files = readdirSync(join(m.out, String(m.month)));
    expect(files.filter((f) => f.endsWith('.pdf'))).toHaveLength(m.closed.run.issued.length);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reads back (pdftotext) with the totals, number, dates and parties of the JSON invoice', () => {
    for (const inv of m.closed.run.issued) {
      const json = JSON.parse(readFileSync(fileOf(inv, 'json'), 'utf8')) as Invoice & {
        total_excl: string;
        vat: string;
        total_incl: string;
      };
      const t = text(fileOf(inv, 'pdf'));
      expect(amount(t, 'Total excl. VAT'), inv.invoice_id).toBe(json.total_excl);
      expect(amount(t, 'Total VAT'), inv.invoice_id).toBe(json.vat);
      expect(amount(t, 'Total incl. VAT'), inv.invoice_id).toBe(json.total_incl);
      for (const r of json.vat_breakdown)
        expect(t).toMatch(
          new RegExp(`VAT ${json.vat_country} ${r.vat_bp / 100}% on ${formatMoney(r.base_micros)} EUR\\s+${formatMoney(r.vat_micros)} EUR`),
        );
      expect(t).toContain(json.number);
      expect(t).toMatch(new RegExp(`Due date\\s+${json.due_date}`));
      expect(t).toMatch(new RegExp(`Issue date\\s+${json.issue_date}`));
      expect(t).toContain('Fixture Télécom SAS');
      expect(t).toContain('VAT no. FR44444555666');
      expect(t).toContain('Company no. RCS Strasbourg 444 555 666');
      expect(t).toContain(json.buyer.name);
      expect(t.replace(/\s+/g, ' ')).toContain('40 EUR for recovery costs');
      expect(t).toContain('Itemised calls');
    }
  });

  it('renders to PNG (pdftoppm): every page has ink, the first shows the grand-total band', () => {
    const inv = m.closed.run.issued[0] as Invoice;
    const prefix = join(m.dir, 'page');
    execFileSync(tool('pdftoppm'), ['-r', '50', '-png', fileOf(inv, 'pdf'), prefix]);
    const pages = readdirSync(m.dir)
      .filter((f) => f.startsWith('page') && f.endsWith('.png'))
      .sort();
    expect(pages.length).toBeGreaterThanOrEqual(2); // the invoice, then its itemised calls
    pages.forEach((p, i) => {
      const img = PNG.sync.read(readFileSync(join(m.dir, p)));
      let ink = 0;
      let band = 0;
      for (let k = 0; k < img.data.length; k += 4) {
        const [r, g, b] = [img.data[k] as number, img.data[k + 1] as number, img.data[k + 2] as number];
        if (r < 200 || g < 200 || b < 200) ink++;
        if (Math.abs(r - 0x1f) < 8 && Math.abs(g - 0x3a) < 8 && Math.abs(b - 0x5f) < 8) band++;
      }
      expect(ink / (img.width * img.height), p).toBeGreaterThan(0.005);
      if (i === 0) expect(band).toBeGreaterThan(200);
    });
  });

  it('the same invoice gives the same bytes (a rerun writes the same file)', () => {
    const inv = m.closed.run.issued[1] as Invoice;
    expect(invoicePdf(inv).equals(invoicePdf(inv))).toBe(true);
  });
});
