/** Lines of chunks of bytes (ingest/src/sources/lines.ts): any chunking gives the lines of the whole text. */
import { LineSplitter } from '@ratel/ingest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

function lines(chunks: Buffer[], max?: number): string[] {
  const out: string[] = [];
  const s = new LineSplitter(max);
  const sink = {
    line: (t: string, n: number) => out.push(`${n}:${t}`),
    tooLong: (head: string, bytes: number, n: number) => out.push(`${n}:LONG ${bytes} ${head.slice(0, 3)}`),
  };
  for (const c of chunks) s.push(c, sink);
  s.end(sink);
  return out;
}

describe('LineSplitter', () => {
  it('gives the same lines whatever the chunks (UTF-8 split inside a character, \\r\\n, no final line break)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1 }),
        fc.boolean(),
        (ls, cuts, crlf) => {
          const clean = ls.map((l) => l.replace(/[\r\n]/g, ''));
          const text = Buffer.from(clean.join(crlf ? '\r\n' : '\n'));
          const chunks: Buffer[] = [];
          for (let i = 0, k = 0; i < text.length; k++) {
            const n = cuts[k % cuts.length] as number;
            chunks.push(text.subarray(i, i + n));
            i += n;
          }
          // A final line break ends the last line; it starts none.
          const parts = clean.join('\n').split('\n');
          if (parts[parts.length - 1] === '') parts.pop();
          const want = parts.map((l, i) => `${i + 1}:${l}`);
          expect(lines(chunks)).toEqual(want);
        },
      ),
    );
  });

  it('reports a line over the limit once, with its size, and goes on with the next', () => {
    const long = 'x'.repeat(50);
    const text = Buffer.from(`a\n${long}\nb\n`);
    for (const size of [3, 7, 100]) {
      const chunks = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.subarray(i, i + size));
      expect(lines(chunks, 20)).toEqual(['1:a', '2:LONG 50 xxx', '3:b']);
    }
  });
});
