/**
 * Itemised call detail: the records behind each usage, overage and per-event line, per user,
 * read back from rated_events FINAL, sum to the line to the cent; numbers are masked unless the
 * account asks for full numbers; the detail is the calls CSV and an appendix of the HTML.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeFileStem, type Invoice, itemisedCalls, maskNumber } from '@ratel/aggregator';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClosedMonth, closedMonth } from './closed-month-fixture.js';

let m: ClosedMonth;
beforeAll(async () => {
  // The first generated account asks for full numbers; the others keep the default (masked).
  m = await closedMonth('itemised', (a, i) => (i === 0 ? { ...a, full_numbers: true } : a));
}, 60_000);
afterAll(() => m?.close());

const USAGE = new Set(['usage', 'overage', 'event']);

describe('itemised call detail', () => {
  it('the records of each usage line sum to the line, to the cent, and every billed line has its records', async () => {
    const issued = m.closed.run.issued;
    expect(issued.length).toBe(12);
    const calls = await itemisedCalls(m.store, m.catalog, m.accounts, issued);
    let lines = 0;
    let records = 0;
    for (const inv of issued) {
      const detail = calls.get(inv.invoice_id) ?? [];
      records += detail.length;
      for (const l of inv.lines.filter((x) => USAGE.has(x.section))) {
        const mine = detail.filter((c) => c.line_no === l.line_no);
        expect(
          mine.reduce((s, c) => s + c.cost_micros, 0),
          `${inv.invoice_id} line ${l.line_no} ${l.description}`,
        ).toBe(l.amount_micros);
        if (l.amount_micros !== 0) expect(mine.length).toBeGreaterThan(0);
        lines++;
      }
      // Every record is on a usage line of its invoice.
      const usageNos = new Set(inv.lines.filter((x) => USAGE.has(x.section)).map((x) => x.line_no));
      for (const c of detail) expect(usageNos.has(c.line_no)).toBe(true);
    }
    expect(lines).toBeGreaterThan(30);
    expect(records).toBeGreaterThan(500);
  });

  it('the calls CSV written beside the invoice gives the same sums per line (parsed as a spreadsheet would)', () => {
    const folder = join(m.out, String(m.month));
    for (const inv of m.closed.run.issued) {
      const json = JSON.parse(readFileSync(join(folder, `${encodeFileStem(inv.invoice_id)}.json`), 'utf8')) as Invoice;
      const [head, ...rows] = parse(readFileSync(join(folder, `${encodeFileStem(inv.invoice_id)}.calls.csv`), 'utf8')) as string[][];
      const col = (name: string) => head?.indexOf(name) ?? -1;
      const cents = new Map<number, number>();
      for (const r of rows) {
        expect(r[col('invoice_number')]).toBe(json.number);
        const no = Number(r[col('line_no')]);
        cents.set(no, (cents.get(no) ?? 0) + Math.round(Number(r[col('cost')]) * 100));
      }
      for (const l of json.lines.filter((x) => USAGE.has(x.section)))
        expect(cents.get(l.line_no) ?? 0, `${inv.invoice_id} line ${l.line_no}`).toBe(Math.round(l.amount_micros / 10_000));
    }
  });

  it('date and time in the account time zone; numbers masked but for the account asking for full numbers', async () => {
    const calls = await itemisedCalls(m.store, m.catalog, m.accounts, m.closed.run.issued);
    const first = m.inputs[0]?.id as string;
    for (const [id, detail] of calls) {
      const full = id.startsWith(`${first}-`);
      for (const c of detail) {
        expect(c.local_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
        const zone = m.accounts.get(id.slice(0, id.lastIndexOf('-')))?.timeZone as string;
        const local = new Intl.DateTimeFormat('sv-SE', { timeZone: zone, dateStyle: 'short', timeStyle: 'medium' }).format(c.start_ms);
        expect(c.local_time).toBe(local);
        if (c.number === '') continue;
        if (full) expect(c.number).toMatch(/\d{4}$/);
        else expect(c.number).toMatch(/X{4}$/);
      }
    }
    expect(maskNumber('+33612345678')).toBe('+3361234XXXX');
    expect(maskNumber('112')).toBe('XXX');
  });

  it('the HTML invoice carries the detail per user as an appendix', () => {
    const inv = m.closed.run.issued.find((i) => i.lines.some((l) => l.section === 'usage')) as Invoice;
    const html = readFileSync(join(m.out, String(m.month), `${encodeFileStem(inv.invoice_id)}.html`), 'utf8');
    expect(html).toContain('Itemised calls');
    for (const l of inv.lines.filter((x) => x.user_id)) expect(html).toContain(`User ${l.user_id}`);
  });
});
