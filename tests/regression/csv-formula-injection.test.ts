/**
 * Finding: user ids, account names and descriptions went raw into the invoice CSV, so a user id
 * `=1+2` became a spreadsheet formula. Text cells now start with a single quote when they would
 * be read as a formula; amounts the code formats stay numbers.
 */
import { invoiceCsv } from '@ratel/aggregator';
import { describe, expect, it } from 'vitest';
import { invoiceOf } from '../aggregator/invoice-fixture.js';

/** The cells of a CSV row (RFC 4180 quoting). */
function cells(row: string): string[] {
  const out: string[] = [];
  const re = /("(?:[^"]|"")*"|[^,]*)(,|$)/g;
  for (let m = re.exec(row); m && m.index < row.length; m = re.exec(row)) {
    const c = m[1] as string;
    out.push(c.startsWith('"') ? c.slice(1, -1).replace(/""/g, '"') : c);
    if (m[2] === '') break;
  }
  return out;
}

describe('regression: CSV formula injection', () => {
  it('no text cell of the invoice CSV starts with = + - @ tab or CR; a credit stays a negative number', () => {
    const inv = invoiceOf('+acc');
    const line = inv.lines[0] as Invoice['lines'][number];
    inv.lines = [
      { ...line, user_id: '=1+2', description: '@SUM(A1:A9)' },
      { ...line, line_no: 2, user_id: '-2+3', description: '\t=cmd|"/c calc"!A0', unit: '\r=1', amount_micros: -1_250_000 },
    ];
    const rows = invoiceCsv(inv).trimEnd().split('\n').slice(1).map(cells);
    const textColumns = [0, 2, 4, 5, 9];
    for (const row of rows) for (const i of textColumns) expect(row[i] ?? '').not.toMatch(/^[=+\-@\t\r]/);
    expect(rows[0]?.[5]).toBe("'=1+2");
    expect(rows[1]?.[10]).toBe('-1.25');
  });
});

type Invoice = ReturnType<typeof invoiceOf>;
