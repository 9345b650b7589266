// CDRs as wire frames (ingest/src/frames.ts): encodeFrames and the FrameBuilder behind it, whose
// frames written in place (and bodies handed over by a source) equal the codec's own encode.
import { encodeFrames, FrameBuilder, type FrameChunk, generateAccounts, generateCdrs, splitFrames } from '@ratel/ingest';
import { type Cdr, cdrType, HEADER_BYTES, localCodecs, makeCodec } from '@ratel/schemas';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const accounts = generateAccounts({ accounts: 8, month: 202610, seed: 4 });
const pool = generateCdrs(accounts, { accounts: 8, month: 202610, seed: 4, malformedShare: 0 });
const codec = localCodecs().cdr;

/** Every frame of the chunks, in order, with its key. */
function framesOf(chunks: readonly FrameChunk[]): { frame: Buffer; key: string }[] {
  const out: { frame: Buffer; key: string }[] = [];
  for (const { bytes, ends, keys } of chunks) {
    expect(ends[0]).toBe(0);
    expect(ends.length).toBe(keys.length + 1);
    expect(ends[keys.length]).toBe(bytes.length);
    for (let k = 0; k < keys.length; k++) out.push({ frame: bytes.subarray(ends[k], ends[k + 1]), key: keys[k] as string });
  }
  return out;
}

describe('encodeFrames', () => {
  it('holds every CDR as its wire frame, keyed by account, in order, in chunks of the send size', () => {
    const cdrs = pool.slice(0, 1234);
    expect(cdrs.length).toBe(1234);
    const chunks = encodeFrames(codec, cdrs, 500);
    expect(chunks.map((c) => c.keys.length)).toEqual([500, 500, 234]);
    const frames = framesOf(chunks);
    expect(frames.length).toBe(cdrs.length);
    frames.forEach(({ frame, key }, i) => {
      expect(frame.equals(codec.encode(cdrs[i] as Cdr))).toBe(true);
      expect(codec.decode(frame)).toEqual(cdrs[i]);
      expect(key).toBe(cdrs[i]?.account_id);
    });
    expect(encodeFrames(codec, [], 500)).toEqual([]);
  });
});

describe('FrameBuilder', () => {
  it('writes the bytes of codec.encode, from CDRs or from their Avro bodies, whatever the sizes and chunking', () => {
    const wide = fc.string({ maxLength: 3000, unit: 'binary' });
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat({ max: pool.length - 1 }), id: wide, body: fc.boolean() }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 17 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (picks, perChunk, schemaId) => {
          const c = makeCodec<Cdr>(cdrType, schemaId);
          const cdrs = picks.map((p) => ({ ...(pool[p.at] as Cdr), id: p.id }));
          const b = new FrameBuilder(c, perChunk);
          picks.forEach((p, i) => {
            const cdr = cdrs[i] as Cdr;
            if (p.body) b.addBody(cdr, cdrType.toBuffer(cdr));
            else b.add(cdr);
          });
          expect(b.count).toBe(cdrs.length);
          const chunks = b.finish();
          expect(chunks.map((ch) => ch.keys.length)).toEqual(
            Array.from({ length: Math.ceil(cdrs.length / perChunk) }, (_, i) => Math.min(perChunk, cdrs.length - i * perChunk)),
          );
          const frames = framesOf(chunks);
          expect(frames.map((f) => f.key)).toEqual(cdrs.map((x) => x.account_id));
          expect(frames.map(({ frame }, i) => frame.equals(c.encode(cdrs[i] as Cdr)))).toEqual(cdrs.map(() => true));
          expect(b.finish()).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('appends nothing of a CDR the codec refuses, and goes on after it', () => {
    const b = new FrameBuilder(codec, 10);
    b.add(pool[0] as Cdr);
    expect(() => b.add({ ...(pool[1] as Cdr), kind: 'FAX' as Cdr['kind'] })).toThrow();
    b.add(pool[2] as Cdr);
    const frames = framesOf(b.finish());
    expect(frames.map((f) => codec.decode(f.frame))).toEqual([pool[0], pool[2]]);
  });

  it('heads a body with the codec schema id', () => {
    const b = new FrameBuilder(makeCodec<Cdr>(cdrType, 0x0a0b0c0d), 4);
    const body = cdrType.toBuffer(pool[3] as Cdr);
    b.addBody(pool[3] as Cdr, body);
    const frames = framesOf(b.finish());
    expect(frames.length).toBe(1);
    const frame = frames[0]?.frame ?? Buffer.alloc(0);
    expect([...frame.subarray(0, HEADER_BYTES)]).toEqual([0, 0x0a, 0x0b, 0x0c, 0x0d]);
    expect(frame.subarray(HEADER_BYTES).equals(body)).toBe(true);
  });
});

describe('splitFrames', () => {
  it('cuts the frames, in order, into pieces of at most maxBytes (a larger frame alone), where a greedy pass would', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 50, max: 5000 }),
        (n, perChunk, maxBytes) => {
          const cdrs = pool.slice(0, n);
          const chunks = encodeFrames(codec, cdrs, perChunk);
          const pieces = splitFrames(chunks, maxBytes);
          const all = framesOf(chunks);
          const sizes: number[][] = [];
          for (const piece of pieces) {
            const frames = framesOf(piece);
            expect(frames.length).toBeGreaterThan(0);
            sizes.push(frames.map((f) => f.frame.length));
          }
          expect(sizes.flat().length).toBe(all.length);
          expect(pieces.flatMap((piece) => framesOf(piece))).toEqual(all);
          // The same cut as filling each piece until the next frame would pass maxBytes.
          const greedy: number[][] = [];
          let cur: number[] = [];
          let bytes = 0;
          for (const { frame } of all) {
            if (bytes + frame.length > maxBytes && cur.length > 0) {
              greedy.push(cur);
              cur = [];
              bytes = 0;
            }
            cur.push(frame.length);
            bytes += frame.length;
          }
          if (cur.length > 0) greedy.push(cur);
          expect(sizes).toEqual(greedy);
        },
      ),
      { numRuns: 100 },
    );
  });
});
