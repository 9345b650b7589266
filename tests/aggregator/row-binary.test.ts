// RowBinary encoding of ratel's rows for the ClickHouse server (aggregator/src/store/row-binary.ts).
// The store tests (store.test.ts) read back what it writes on the real server.
import { columnsOf, rowEncoder, TABLES, tsvEncoder } from '@ratel/aggregator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('columnsOf', () => {
  it('reads every table of the DDL, types with parentheses included', () => {
    for (const ddl of Object.values(TABLES)) expect(columnsOf(ddl).length).toBeGreaterThanOrEqual(3);
    const rated = columnsOf(TABLES.rated_events);
    expect(rated[0]).toEqual({ name: 'cdr_id', type: 'String' });
    expect(rated.find((c) => c.name === 'reasons')).toEqual({ name: 'reasons', type: 'Array(String)' });
    expect(rated.at(-1)).toEqual({ name: 'rated_at_ms', type: 'Int64' });
  });

  it('refuses a type it has no encoder for', () => {
    expect(() => columnsOf('CREATE TABLE t (a String, b Float64) ENGINE = Memory')).toThrow(/b: type Float64/);
  });
});

describe('rowEncoder', () => {
  const enc = rowEncoder('t', columnsOf('CREATE TABLE t (s String, n Int64, m UInt32, a Array(String)) ENGINE = Memory'));

  it('writes each type as ClickHouse reads it', () => {
    const bytes = enc.encode([{ s: 'ab', n: -2, m: 202610, a: ['x', ''] }]);
    const hex = [
      '02 61 62', // String 'ab': varint length, bytes
      'fe ff ff ff ff ff ff ff', // Int64 -2: little-endian two's complement
      '72 17 03 00', // UInt32 202610 (0x31772)
      '02 01 78 00', // Array(String) ['x', '']: count, then each string
    ].join(' ');
    expect(bytes.toString('hex').replace(/(..)(?!$)/g, '$1 ')).toBe(hex);
  });

  it('encodes UTF-8, long strings and the int64 extremes ratel can hold', () => {
    const long = 'é'.repeat(100) + 'x'.repeat(100); // 300 bytes: a two-byte length
    const bytes = enc.encode([
      { s: long, n: Number.MAX_SAFE_INTEGER, m: 0, a: [] },
      { s: 'Réunion', n: Number.MIN_SAFE_INTEGER, m: 4294967295, a: ['ü'] },
    ]);
    let at = 0;
    const varint = () => {
      let n = 0;
      for (let shift = 1; ; shift *= 128) {
        const b = bytes[at++] as number;
        n += (b & 0x7f) * shift;
        if (b < 0x80) return n;
      }
    };
    const str = () => {
      const n = varint();
      at += n;
      return bytes.subarray(at - n, at).toString('utf8');
    };
    const i64 = () => {
      at += 8;
      return Number(bytes.readBigInt64LE(at - 8));
    };
    const u32 = () => {
      at += 4;
      return bytes.readUInt32LE(at - 4);
    };
    expect([str(), i64(), u32(), varint()]).toEqual([long, Number.MAX_SAFE_INTEGER, 0, 0]);
    expect([str(), i64(), u32(), varint(), str()]).toEqual(['Réunion', Number.MIN_SAFE_INTEGER, 4294967295, 1, 'ü']);
    expect(at).toBe(bytes.length);
  });

  it('refuses a missing column or a value its type cannot take, naming table, row and column', () => {
    const ok = { s: 'a', n: 1, m: 1, a: [] };
    expect(() => enc.encode([ok, { ...ok, n: 1.5 }])).toThrow(/row 1: column n \(Int64\) cannot take 1.5 \[INSERT INTO t\]/);
    expect(() => enc.encode([{ ...ok, m: -1 }])).toThrow(/row 0: column m \(UInt32\)/);
    expect(() => enc.encode([{ n: 1, m: 1, a: [] }])).toThrow(/row 0: column s \(String\)/);
    expect(() => enc.encode([{ ...ok, a: ['a', 3] }])).toThrow(/row 0: column a \(Array\(String\)\)/);
    expect(() => enc.encode([{ ...ok, n: 2 ** 53 }])).toThrow(/column n/);
  });

  it('grows its buffer past the first guess', () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ s: 'y'.repeat(2000 + i), n: i, m: i, a: ['z'.repeat(500)] }));
    const bytes = enc.encode(rows);
    expect(bytes.length).toBe(rows.reduce((t, r) => t + 2 + r.s.length + 8 + 4 + 1 + 2 + 500, 0));
  });
});

describe('tsvEncoder', () => {
  const cols = columnsOf('CREATE TABLE t (s String, n Int64, m UInt32, a Array(String)) ENGINE = Memory');
  const enc = tsvEncoder('t', cols);

  it('writes TabSeparated as ClickHouse reads it: escapes, decimal integers, quoted arrays', () => {
    const text = enc
      .encode([
        { s: 'a\tb\nc\\d', n: -2, m: 202610, a: ['x', "it's", ''] },
        { s: 'é\0', n: Number.MAX_SAFE_INTEGER, m: 4294967295, a: [] },
        { s: '', n: Number.MIN_SAFE_INTEGER, m: 0, a: ['1000000000'] },
        { s: 'x', n: 1_000_000_007, m: 10, a: [] },
      ])
      .toString('utf8');
    expect(text).toBe(
      [
        "a\\tb\\nc\\\\d\t-2\t202610\t['x','it\\'s','']",
        `é\\0\t${Number.MAX_SAFE_INTEGER}\t4294967295\t[]`,
        `\t${Number.MIN_SAFE_INTEGER}\t0\t['1000000000']`,
        'x\t1000000007\t10\t[]',
        '',
      ].join('\n'),
    );
  });

  it('refuses what RowBinary refuses', () => {
    expect(() => enc.encode([{ s: 'a', n: 1.5, m: 1, a: [] }])).toThrow(/row 0: column n \(Int64\) cannot take 1.5/);
  });

  it('writes any integer ratel can hold as its decimal digits', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(enc.encode([{ s: '', n, m: 0, a: [] }]).toString()).toBe(`\t${n}\t0\t[]\n`);
      }),
    );
  });

  it('writes integers next to every power of ten, and any UInt32, as String() does', () => {
    const nearTens = fc
      .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: -2, max: 2 }), fc.boolean())
      .map(([e, d, neg]) => (neg ? -1 : 1) * Math.max(0, 10 ** e + d));
    fc.assert(
      fc.property(nearTens, fc.integer({ min: 0, max: 4294967295 }), (n, m) => {
        expect(enc.encode([{ s: '', n, m, a: [] }]).toString()).toBe(`\t${n}\t${m}\t[]\n`);
      }),
    );
  });
});

describe('a column of bytes written as base64', () => {
  const cols = columnsOf('CREATE TABLE t (b String) ENGINE = Memory');
  it('gives what Buffer.toString("base64") gives, in both formats', () => {
    const rb = rowEncoder('t', cols, { b: { expr: 'r.b', base64: true } });
    const tsv = tsvEncoder('t', cols, { b: { expr: 'r.b', base64: true } });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const b64 = Buffer.from(bytes).toString('base64');
        const out = rb.encode([{ b: bytes }]);
        const len = b64.length < 128 ? 1 : 2;
        expect(out.subarray(len).toString('latin1')).toBe(b64);
        expect(tsv.encode([{ b: bytes }]).toString('latin1')).toBe(`${b64}\n`);
      }),
    );
  });
});
