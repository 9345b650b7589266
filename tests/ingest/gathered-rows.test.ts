// The rows a grouping sink gathers for its next insert (ingest/src/gathered-rows.ts): copied at
// once, one part per table, buffers used again once their insert is over.
import type { EncodedRows } from '@ratel/aggregator';
import { describe, expect, it } from 'vitest';
import { GatheredRows } from '../../ingest/src/gathered-rows.js';

/** The bytes of a sealed part, failing the test when there is none. */
const textOf = (s: { part: EncodedRows } | undefined): Buffer => {
  if (s === undefined) throw new Error('no sealed part');
  return s.part.data as Buffer;
};

const bytes = (table: string, text: string, rows: number): EncodedRows => ({
  table,
  rows,
  format: 'TabSeparated',
  data: Buffer.from(text, 'utf8'),
});

describe('GatheredRows', () => {
  it('gives one part per table holding its parts end to end, in the order they came', () => {
    const g = new GatheredRows();
    g.add([bytes('cdrs', 'a\t1\n', 1), bytes('rated_events', 'x\n', 1), { table: 'alerts', rows: 0, format: 'TabSeparated', data: '' }]);
    g.add([bytes('cdrs', 'b\t2\nc\t3\n', 2), bytes('rated_events', 'é\n', 1)]);
    const sealed = g.seal();
    expect(sealed.map((s) => [s.part.table, s.part.rows, s.part.format, (s.part.data as Buffer).toString('utf8')])).toEqual([
      ['cdrs', 3, 'TabSeparated', 'a\t1\nb\t2\nc\t3\n'],
      ['rated_events', 2, 'TabSeparated', 'x\né\n'],
    ]);
  });

  it("copies the rows: a part's buffer written over after add leaves them as they were", () => {
    const g = new GatheredRows();
    const p = bytes('cdrs', 'a\t1\n', 1);
    g.add([p]);
    (p.data as Buffer).fill(0x7a);
    expect(textOf(g.seal()[0]).toString()).toBe('a\t1\n');
  });

  it('takes text parts (JSONEachRow) as their UTF-8 bytes', () => {
    const g = new GatheredRows();
    g.add([{ table: 'dead_letters', rows: 1, format: 'JSONEachRow', data: '{"r":"é"}\n' }]);
    g.add([{ table: 'dead_letters', rows: 1, format: 'JSONEachRow', data: '{"r":"b"}\n' }]);
    const [s] = g.seal();
    expect(textOf(s).toString('utf8')).toBe('{"r":"é"}\n{"r":"b"}\n');
    expect(s?.part.rows).toBe(2);
  });

  it('starts anew after a seal, and has nothing to seal when nothing came', () => {
    const g = new GatheredRows();
    expect(g.seal()).toEqual([]);
    g.add([bytes('cdrs', 'a\n', 1)]);
    const first = g.seal();
    g.add([bytes('cdrs', 'b\n', 1)]);
    const second = g.seal();
    expect(textOf(first[0]).toString()).toBe('a\n');
    expect(textOf(second[0]).toString()).toBe('b\n');
    expect(g.seal()).toEqual([]);
  });

  it('grows past its first buffer for a large insert and keeps every byte', () => {
    const g = new GatheredRows();
    const line = `${'x'.repeat(999)}\n`;
    const n = 3000; // 3 MB: past the 1 MB a table starts with
    for (let i = 0; i < n; i++) g.add([bytes('cdrs', line, 1)]);
    const [s] = g.seal();
    expect(s?.part.rows).toBe(n);
    expect(textOf(s).equals(Buffer.from(line.repeat(n)))).toBe(true);
  });

  it('fills a released buffer again, never one whose insert is still running', () => {
    const g = new GatheredRows();
    const data = (s: { part: EncodedRows } | undefined) => s?.part.data as Buffer;
    g.add([bytes('cdrs', 'a\n', 1)]);
    const a = g.seal()[0];
    g.add([bytes('cdrs', 'b\n', 1)]);
    a?.release();
    const b = g.seal()[0];
    g.add([bytes('cdrs', 'c\n', 1)]);
    const c = g.seal()[0];
    // a's buffer was free once b was sealed: c was gathered in it; b's insert is still running.
    expect(data(c).buffer).toBe(data(a).buffer);
    expect(data(b).buffer).not.toBe(data(a).buffer);
    g.add([bytes('cdrs', 'd\n', 1)]);
    const d = g.seal()[0];
    expect(data(d).buffer).not.toBe(data(b).buffer);
    expect(data(d).buffer).not.toBe(data(c).buffer);
    expect([data(b), data(c), data(d)].map((x) => x.toString())).toEqual(['b\n', 'c\n', 'd\n']);
  });

  it('refuses parts of one table in two formats', () => {
    const g = new GatheredRows();
    g.add([bytes('cdrs', 'a\n', 1)]);
    expect(() => g.add([{ table: 'cdrs', rows: 1, format: 'RowBinary', data: Buffer.from([1]) }])).toThrow(
      'INSERT INTO cdrs: parts of TabSeparated and RowBinary',
    );
  });
});
