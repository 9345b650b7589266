/**
 * Lines of a file fed in chunks of bytes: each chunk is split up to its last line break by
 * scanning for the byte "\n" ("\r\n" also ends a line; the rest waits for the next chunk), and
 * each line is decoded as UTF-8 on its own. A line is then a string of its own, not a slice of a
 * decoded chunk: the sources read it character by character, and reading a slice costs a
 * detour to the string it is cut from at every character. A line longer than `maxBytes` is not
 * decoded whole: it is reported once, with its first characters, as too long. Nothing here
 * reads a file: the importer and the benchmark feed it.
 */
import { isAscii } from 'node:buffer';

export interface LineSink {
  line(text: string, lineNo: number): void;
  /** A line of `bytes` bytes over the limit; `head` is its first characters. */
  tooLong(head: string, bytes: number, lineNo: number): void;
}

/** Buffer's own decoders (what buf.toString(encoding, a, b) calls, without its checks of the encoding and bounds). */
interface Decoders {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

const NL = 10;
const CR = 13;
const NL_BYTE = Buffer.from([NL]);
const HEAD_CHARS = 1000;

export class LineSplitter {
  private carry: Buffer | null = null;
  private lineNo = 0;
  /** Bytes of an over-long line skipped so far (-1 when not in one), and its first characters. */
  private skipped = -1;
  private head = '';

  constructor(private readonly maxBytes = 4 * 1024 * 1024) {}

  /** Lines read so far. */
  get lines(): number {
    return this.lineNo;
  }

  push(chunk: Buffer, sink: LineSink): void {
    let buf = chunk;
    if (this.skipped >= 0) {
      const nl = buf.indexOf(NL);
      if (nl < 0) {
        this.skipped += buf.length;
        return;
      }
      this.skipped += nl;
      sink.tooLong(this.head, this.skipped, ++this.lineNo);
      this.skipped = -1;
      buf = buf.subarray(nl + 1);
    }
    if (this.carry !== null) {
      // The line begun in the chunk before: decoded with its end alone (no copy of the chunk).
      const nl = buf.indexOf(NL);
      if (nl < 0) {
        buf = Buffer.concat([this.carry, buf]);
        this.carry = null;
      } else {
        const first = Buffer.concat([this.carry, buf.subarray(0, nl + 1)]);
        this.carry = null;
        this.split(first, first.length, sink);
        buf = buf.subarray(nl + 1);
      }
    }
    const last = buf.lastIndexOf(NL);
    if (last < 0) {
      this.keep(buf, sink);
      return;
    }
    this.split(buf, last + 1, sink);
    if (last + 1 < buf.length) this.keep(buf.subarray(last + 1), sink);
  }

  /** Ends the file: its last line, when it has no line break. */
  end(sink: LineSink): void {
    if (this.skipped >= 0) {
      sink.tooLong(this.head, this.skipped, ++this.lineNo);
      this.skipped = -1;
    } else if (this.carry !== null && this.carry.length > 0) this.split(Buffer.concat([this.carry, NL_BYTE]), this.carry.length + 1, sink);
    this.carry = null;
  }

  private keep(rest: Buffer, _sink: LineSink): void {
    if (rest.length > this.maxBytes) {
      this.head = rest.toString('utf8', 0, Math.min(rest.length, HEAD_CHARS * 4)).slice(0, HEAD_CHARS);
      this.skipped = rest.length;
      return;
    }
    this.carry = Buffer.from(rest);
  }

  /** The lines of buf[0, end), which ends with a line break. */
  private split(buf: Buffer, end: number, sink: LineSink): void {
    // ASCII (the common case) decodes the same as Latin-1, which is quicker to decode.
    const ascii = isAscii(buf.subarray(0, end));
    const dec = buf as unknown as Decoders;
    let from = 0;
    while (from < end) {
      const nl = buf.indexOf(NL, from);
      if (nl < 0 || nl >= end) return;
      const to = nl > from && buf[nl - 1] === CR ? nl - 1 : nl;
      // A line of at most maxBytes bytes has at most maxBytes characters; a longer one is measured decoded.
      const text = ascii ? dec.latin1Slice(from, to) : dec.utf8Slice(from, to);
      if (to - from > this.maxBytes && text.length > this.maxBytes)
        sink.tooLong(text.slice(0, HEAD_CHARS), Buffer.byteLength(text), ++this.lineNo);
      else sink.line(text, ++this.lineNo);
      from = nl + 1;
    }
  }
}
