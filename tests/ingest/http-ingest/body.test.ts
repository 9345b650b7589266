/**
 * A request body read as a CDR file (ingest/src/http-ingest/body.ts): lines split across chunks,
 * every line checked and every error numbered, CDRs kept only while no line failed, a header the
 * format cannot read, and reading that stops at the size limit.
 */
import { Readable } from 'node:stream';
import { encodeFrames, httpIngest, sources } from '@ratel/ingest';
import { type Cdr, DEFAULT_LIMITS, localCodecs, voiceCdr } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';

const { readBody, BodyOutcome } = httpIngest;
const START = Date.UTC(2026, 9, 5, 10);
const cdr = (i: number): Cdr =>
  voiceCdr({ id: `b${i}`, account: 'acc-1', user: 'u1', start: START + i * 1000, callee: '+33612345678', seconds: 30 });
const opts = { maxBodyBytes: 1 << 20, limits: DEFAULT_LIMITS, maxErrors: 100 };
const codec = localCodecs().cdr;
const framed = { ...opts, frames: { codec, perChunk: 7 } };

/** A stream of these chunks (split at awkward places), counting what was read from it. */
function body(chunks: (string | Buffer)[]): Readable & { pulled: number } {
  const list = chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c));
  let i = 0;
  const s = new Readable({
    read() {
      const next = list[i++];
      if (next === undefined) this.push(null);
      else {
        (s as Readable & { pulled: number }).pulled += next.length;
        this.push(next);
      }
    },
  }) as Readable & { pulled: number };
  s.pulled = 0;
  return s;
}

const split = (text: string, size: number): string[] => {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
};

describe('readBody', () => {
  it('reads JSON Lines split at any byte into the same CDRs, with their line numbers', async () => {
    const cdrs = Array.from({ length: 50 }, (_, i) => cdr(i));
    const text = `${cdrs.map(sources.ratelJsonLine).join('\r\n')}\r\n\n`;
    for (const size of [1, 7, 100, text.length]) {
      const r = await readBody(body(split(text, size)), new sources.RatelJsonLinesSource(), 'req', opts);
      expect(r.outcome).toBe(BodyOutcome.OK);
      expect([r.lines, r.cdrs.length, r.skipped, r.rejected]).toEqual([51, 50, 1, 0]);
      expect(r.cdrs.map((c) => c.id)).toEqual(cdrs.map((c) => c.id));
      expect(r.at).toEqual(cdrs.map((_, i) => i + 1));
      expect(r.bytes).toBe(Buffer.byteLength(text));
    }
  });

  it('reads the last line without a line break, and a CSV body with its header line', async () => {
    const text = [sources.ratelCsvHeader(), sources.ratelCsvLine(cdr(1)), sources.ratelCsvLine(cdr(2))].join('\n');
    const r = await readBody(body([text]), new sources.RatelCsvSource(), 'req', opts);
    expect([r.outcome, r.lines, r.cdrs.length, r.skipped]).toEqual([BodyOutcome.OK, 3, 2, 1]);
  });

  it('numbers every bad line with its code and reason, and keeps no CDR of the body', async () => {
    const lines = [
      sources.ratelJsonLine(cdr(1)),
      'not json',
      sources.ratelJsonLine({ ...cdr(2), user_id: '' }),
      sources.ratelJsonLine(cdr(3)),
      sources.ratelJsonLine({ ...cdr(4), voice: { ...(cdr(4).voice as NonNullable<Cdr['voice']>), callee: 'x'.repeat(300) } }),
      '[1, 2]',
    ];
    const r = await readBody(body([`${lines.join('\n')}\n`]), new sources.RatelJsonLinesSource(), 'req', opts);
    expect(r.outcome).toBe(BodyOutcome.REJECTED);
    expect(r.cdrs).toEqual([]);
    expect(r.rejected).toBe(4);
    expect(r.codes).toEqual({ CDR_MALFORMED: 3, CDR_OUT_OF_RANGE: 1 });
    expect(r.errors.map((e) => [e.line, e.code])).toEqual([
      [2, 'CDR_MALFORMED'],
      [3, 'CDR_MALFORMED'],
      [5, 'CDR_OUT_OF_RANGE'],
      [6, 'CDR_MALFORMED'],
    ]);
    expect(r.errors[1]?.reason).toBe('empty user_id');
    expect(r.errors[2]?.reason).toMatch(/limits\.maxFieldChars/);
  });

  it('lists the first maxErrors errors and counts them all', async () => {
    const text = 'x\n'.repeat(500);
    const r = await readBody(body([text]), new sources.RatelJsonLinesSource(), 'req', { ...opts, maxErrors: 10 });
    expect([r.rejected, r.errors.length, r.errors[9]?.line, r.codes.CDR_MALFORMED]).toEqual([500, 10, 10, 500]);
  });

  it('a CSV header the format cannot read is one error on line 1, and the lines after it are not read', async () => {
    const text = `who,what\n${sources.ratelCsvLine(cdr(1))}\n${sources.ratelCsvLine(cdr(2))}\n`;
    const r = await readBody(body([text]), new sources.RatelCsvSource(), 'request 7', opts);
    expect(r.outcome).toBe(BodyOutcome.REJECTED);
    expect([r.lines, r.rejected, r.errors[0]?.line, r.errors[0]?.code]).toEqual([3, 1, 1, 'INPUT_UNREADABLE']);
    expect(r.errors[0]?.reason).toMatch(/^request 7: header/);
  });

  it('stops reading at the limit: the rest of the body is never pulled', async () => {
    const chunk = Buffer.from(`${sources.ratelJsonLine(cdr(1))}\n`.repeat(100)); // ~40 kB
    const chunks = Array.from({ length: 1000 }, () => chunk); // ~40 MB offered
    const s = body(chunks);
    const r = await readBody(s, new sources.RatelJsonLinesSource(), 'req', { ...opts, maxBodyBytes: 200_000 });
    expect(r.outcome).toBe(BodyOutcome.TOO_LARGE);
    expect(r.cdrs).toEqual([]);
    expect(r.bytes).toBeLessThanOrEqual(200_000 + chunk.length);
    // What the stream buffers ahead (its highWaterMark, 16 kB) may be pulled, no more.
    await new Promise((r) => setTimeout(r, 50));
    expect(s.pulled).toBeLessThan(200_000 + 4 * chunk.length);
  });

  it('with a codec, encodes the CDRs as it reads them: the frames of encodeFrames, JSON Lines and CSV alike', async () => {
    const cdrs = Array.from({ length: 30 }, (_, i) => cdr(i));
    const want = encodeFrames(codec, cdrs, 7);
    const jsonl = `${cdrs.map(sources.ratelJsonLine).join('\n')}\n`;
    const csv = `${[sources.ratelCsvHeader(), ...cdrs.map(sources.ratelCsvLine)].join('\n')}\n`;
    for (const [text, src] of [
      [jsonl, new sources.RatelJsonLinesSource()],
      [csv, new sources.RatelCsvSource()],
    ] as const) {
      const r = await readBody(body(split(text, 100)), src, 'req', framed);
      expect([r.outcome, r.cdrs.length, r.unencodable]).toEqual([BodyOutcome.OK, 30, null]);
      expect(r.frames).toEqual(want);
    }
    const none = await readBody(body([jsonl]), new sources.RatelJsonLinesSource(), 'req', opts);
    expect(none.frames).toBeNull();
  });

  it('keeps no frames of a body with a bad line', async () => {
    const text = `${sources.ratelJsonLine(cdr(1))}\nnot json\n${sources.ratelJsonLine(cdr(2))}\n`;
    const r = await readBody(body([text]), new sources.RatelJsonLinesSource(), 'req', framed);
    expect([r.outcome, r.frames, r.unencodable]).toEqual([BodyOutcome.REJECTED, null, null]);
  });

  it('names the first CDR the codec refuses after every check passed, and keeps no frames', async () => {
    // A source whose CDRs pass checkCdr but are no cdr.v1 record from line 3 on (sip_status 1.5 is no int).
    const odd: sources.CdrSource = {
      format: 'odd',
      startFile() {},
      read(_line, lineNo, out) {
        const c = cdr(lineNo);
        out.status = sources.LineStatus.CDR;
        out.cdr = lineNo < 3 ? c : { ...c, voice: { ...(c.voice as NonNullable<Cdr['voice']>), sip_status: 1.5 } };
        out.avro = null;
      },
    };
    const r = await readBody(body(['a\nb\nc\nd\n']), odd, 'req', framed);
    expect([r.outcome, r.frames, r.cdrs.length]).toEqual([BodyOutcome.OK, null, 4]);
    expect([r.unencodable?.line, r.unencodable?.code]).toEqual([3, 'CDR_MALFORMED']);
    expect(r.unencodable?.reason).toMatch(/^not a cdr\.v1 record: /);
  });

  it('a body that ends early (the client went away) is ABORTED', async () => {
    const s = new Readable({ read() {} });
    const p = readBody(s, new sources.RatelJsonLinesSource(), 'req', opts);
    s.push(Buffer.from(`${sources.ratelJsonLine(cdr(1))}\n`));
    s.destroy();
    const r = await p;
    expect([r.outcome, r.cdrs.length]).toEqual([BodyOutcome.ABORTED, 0]);
  });
});
