/**
 * Lines decoded one by one (ingest/src/sources/lines.ts): whatever the bytes, valid UTF-8 or not,
 * and however they are cut into chunks, each line is what decoding the whole file and splitting
 * it at "\n" ("\r\n") gives, and each is a string of its own.
 */
import { LineSplitter } from '@ratel/ingest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('LineSplitter on any bytes', () => {
  it('gives the lines of the whole decoded text, invalid UTF-8 included', () => {
    // Bytes that make lines, carriage returns, ASCII, and pieces of (and broken) multi-byte characters.
    const byte = fc.oneof(
      fc.integer({ min: 0x61, max: 0x65 }),
      fc.constantFrom(0x0a, 0x0d, 0x20, 0x2c, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0xef, 0xbb, 0xbf),
    );
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 300 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1 }), (bytes, cuts) => {
        const buf = Buffer.from(bytes);
        const parts = buf.toString('utf8').split('\n');
        if (parts[parts.length - 1] === '') parts.pop();
        const want = parts.map((l, i) => `${i + 1}:${l.endsWith('\r') ? l.slice(0, -1) : l}`);
        const got: string[] = [];
        const split = new LineSplitter();
        const sink = {
          line: (t: string, n: number) => got.push(`${n}:${t}`),
          tooLong: () => got.push('too long'),
        };
        for (let i = 0, k = 0; i < buf.length; k++) {
          const n = cuts[k % cuts.length] as number;
          split.push(buf.subarray(i, i + n), sink);
          i += n;
        }
        split.end(sink);
        expect(got).toEqual(want);
        expect(split.lines).toBe(want.length);
      }),
      { numRuns: 500 },
    );
  });

  it('measures a line over the limit by its decoded characters and reports its bytes', () => {
    // 12 characters of 2 bytes: 24 bytes, over a limit of 20 bytes, but 12 characters fit.
    const out: string[] = [];
    const split = new LineSplitter(20);
    const sink = { line: (t: string) => out.push(t), tooLong: (h: string, b: number) => out.push(`LONG ${b} ${h.slice(0, 2)}`) };
    split.push(Buffer.from(`${'é'.repeat(12)}\n${'é'.repeat(21)}\nok\n`), sink);
    split.end(sink);
    expect(out).toEqual(['é'.repeat(12), 'LONG 42 éé', 'ok']);
  });
});
