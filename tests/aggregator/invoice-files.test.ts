/** Invoice file names derived from ids, the month's folder, whole-file writes, and CSV cells. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  csvNumber,
  csvText,
  decodeFileStem,
  encodeFileStem,
  ensureWritableDir,
  hasInvoiceFiles,
  type Invoice,
  invoiceCsv,
  invoiceFilePaths,
  invoiceFolder,
  MAX_STEM_BYTES,
  writeInvoiceFiles,
} from '@ratel/aggregator';
import { afterAll, describe, expect, it } from 'vitest';
import { invoiceOf } from './invoice-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'ratel-invoice-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('file names from ids', () => {
  it('keeps [A-Za-z0-9._-] and percent-encodes every other byte, % included', () => {
    expect(encodeFileStem('acc-0001_x.y-202610')).toBe('acc-0001_x.y-202610');
    expect(encodeFileStem('a/b\\c')).toBe('a%2Fb%5Cc');
    expect(encodeFileStem('a\u0000b')).toBe('a%00b');
    expect(encodeFileStem('50%')).toBe('50%25');
    expect(encodeFileStem('é ü')).toBe('%C3%A9%20%C3%BC');
  });
  it('never gives ".", ".." or a hidden file: a leading dot is encoded', () => {
    expect(encodeFileStem('.')).toBe('%2E');
    expect(encodeFileStem('..')).toBe('%2E.');
    expect(encodeFileStem('../../../x')).toBe('%2E.%2F..%2F..%2Fx');
    expect(encodeFileStem('.hidden')).toBe('%2Ehidden');
  });
  it('refuses an empty id', () => {
    expect(() => encodeFileStem('')).toThrow(expect.objectContaining({ code: 'OUTPUT_UNWRITABLE' }));
  });
  it('is reversible', () => {
    for (const id of ['acc-1', '../../../x', 'a/b', 'a\u0000b', '50%', '.', '..', 'é ü', '=1+2', 'a~b', '%2F'])
      expect(decodeFileStem(encodeFileStem(id))).toBe(id);
  });
  it('cuts a long stem to MAX_STEM_BYTES with a hash suffix, never inside a %XX', () => {
    const long = 'é'.repeat(300);
    const stem = encodeFileStem(long);
    expect(stem.length).toBeLessThanOrEqual(MAX_STEM_BYTES);
    expect(stem).toMatch(/^(%[0-9A-F]{2})+~[0-9a-f]{16}$/);
    expect(decodeFileStem(stem)).toBeNull();
    expect(encodeFileStem(`${long}x`)).not.toBe(stem);
    const ascii = encodeFileStem('a'.repeat(500));
    expect(ascii).toHaveLength(MAX_STEM_BYTES);
    expect(encodeFileStem('a'.repeat(MAX_STEM_BYTES))).toBe('a'.repeat(MAX_STEM_BYTES));
  });
  it('hashes ill-formed UTF-16 (a lone surrogate) so two such ids never share a name', () => {
    expect(encodeFileStem('a\uD800')).not.toBe(encodeFileStem('a\uDBFF'));
    expect(encodeFileStem('a\uD800')).toMatch(/~[0-9a-f]{16}$/);
  });
  it('every path resolves to a file directly in the month folder', () => {
    const folder = invoiceFolder(dir, 202610);
    expect(folder).toBe(join(dir, '202610'));
    for (const id of ['../../../x', 'a/b', '..', '/etc/passwd', 'a\u0000b', 'x'.repeat(400)]) {
      const paths = invoiceFilePaths(folder, id);
      for (const p of Object.values(paths)) expect(dirname(p)).toBe(folder);
    }
  });
  it('refuses a month that is not yyyymm', () => {
    expect(() => invoiceFolder(dir, 2026)).toThrow(expect.objectContaining({ code: 'OUTPUT_UNWRITABLE' }));
    expect(() => invoiceFolder(dir, 202613.5)).toThrow(expect.objectContaining({ code: 'OUTPUT_UNWRITABLE' }));
  });
});

describe('writing the files', () => {
  it('writes the five files of each invoice, whole, with nothing left over', () => {
    const out = join(dir, 'w1');
    const r = writeInvoiceFiles(out, 202610, [invoiceOf('acc-1'), invoiceOf('a/b'), invoiceOf('../../../x')]);
    expect(r).toEqual({ folder: join(out, '202610'), written: 3, failed: [] });
    expect(readdirSync(join(out, '202610')).sort()).toEqual(
      ['%2E.%2F..%2F..%2Fx-202610', 'a%2Fb-202610', 'acc-1-202610']
        .flatMap((s) => [`${s}.calls.csv`, `${s}.csv`, `${s}.html`, `${s}.json`, `${s}.pdf`])
        .sort(),
    );
    expect(hasInvoiceFiles(r.folder, 'a/b-202610')).toBe(true);
    expect(JSON.parse(readFileSync(join(r.folder, 'a%2Fb-202610.json'), 'utf8')).account_id).toBe('a/b');
  });
  it('one invoice that cannot be written is reported, the others are written', () => {
    const out = join(dir, 'w2');
    const folder = join(out, '202610');
    mkdirSync(join(folder, 'bad-202610.json'), { recursive: true }); // a folder where the file should go
    const r = writeInvoiceFiles(out, 202610, [invoiceOf('bad'), invoiceOf('good')]);
    expect(r.written).toBe(1);
    expect(r.failed).toEqual([{ invoice_id: 'bad-202610', path: join(folder, 'bad-202610.json'), reason: expect.any(String) }]);
    expect(hasInvoiceFiles(folder, 'good-202610')).toBe(true);
    expect(readdirSync(folder).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
  it('an output folder that cannot be made is OUTPUT_UNWRITABLE, at once (no endless mkdir under /proc)', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    expect(() => ensureWritableDir(join(file, 'sub'))).toThrow(expect.objectContaining({ code: 'OUTPUT_UNWRITABLE' }));
    expect(() => ensureWritableDir(file)).toThrow(/exists and is not a folder/);
    if (existsSync('/proc/self'))
      expect(() => ensureWritableDir('/proc/ratel-x/y')).toThrow(expect.objectContaining({ code: 'OUTPUT_UNWRITABLE' }));
  });
});

describe('CSV cells', () => {
  it('text starting with = + - @ tab or CR gets a leading quote', () => {
    for (const c of ['=1+2', '+1', '-1+2', '@SUM(A1)', '\t=1', '\r=1']) expect(csvText(c).replace(/^"|"$/g, '')).toBe(`'${c}`);
    expect(csvText('plain text')).toBe('plain text');
    expect(csvText("'already")).toBe("'already");
  });
  it('quotes separators, quotes and line breaks (RFC 4180)', () => {
    expect(csvText('a,b')).toBe('"a,b"');
    expect(csvText('say "hi"')).toBe('"say ""hi"""');
    expect(csvText('a\nb')).toBe('"a\nb"');
    expect(csvText('\r=1')).toBe(`"'\r=1"`);
    expect(csvText('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
  });
  it('numeric columns stay numbers, negative amounts included; anything else in them is text', () => {
    expect(csvNumber('-12.50')).toBe('-12.50');
    expect(csvNumber(-3)).toBe('-3');
    expect(csvNumber(202610)).toBe('202610');
    expect(csvNumber('-1+2')).toBe("'-1+2");
  });
  it('an invoice row: text columns neutralised, amounts and quantities as numbers, one cell per header column', () => {
    const inv = invoiceOf('=acc', { account_name: '@evil' });
    inv.lines = [
      { ...(inv.lines[0] as Invoice['lines'][number]), user_id: '=1+2', description: '-credit, "x"', amount_micros: -2_500_000 },
    ];
    const [head, row] = invoiceCsv(inv).split('\n');
    expect(row).toBe(`'=acc-202610,1,recurring,202611,"'-credit, ""x""",'=1+2,30,0,30,days,-2.50,FA-2026-000001`);
    expect(head?.split(',')).toHaveLength(12);
  });
});
