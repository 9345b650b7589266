/**
 * Lines of a file fed in chunks of bytes: each chunk is decoded as UTF-8 up to its last line
 * break (the rest waits for the next chunk) and split by scanning for "\n" ("\r\n" also ends a
 * line). A line longer than `maxChars` is not decoded whole: it is reported once, with its first
 * characters, as too long. Nothing here reads a file: the importer and the benchmark feed it.
 */
export interface LineSink {
  line(text: string, lineNo: number): void;
  /** A line of `bytes` bytes over the limit; `head` is its first characters. */
  tooLong(head: string, bytes: number, lineNo: number): void;
}

const NL = 10;
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
        this.split(first.toString('utf8'), sink);
        buf = buf.subarray(nl + 1);
      }
    }
    const last = buf.lastIndexOf(NL);
    if (last < 0) {
      this.keep(buf, sink);
      return;
    }
    const text = buf.toString('utf8', 0, last + 1);
    this.split(text, sink);
    if (last + 1 < buf.length) this.keep(buf.subarray(last + 1), sink);
  }

  /** Ends the file: its last line, when it has no line break. */
  end(sink: LineSink): void {
    if (this.skipped >= 0) {
      sink.tooLong(this.head, this.skipped, ++this.lineNo);
      this.skipped = -1;
    } else if (this.carry !== null && this.carry.length > 0) this.split(`${this.carry.toString('utf8')}\n`, sink);
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

  private split(text: string, sink: LineSink): void {
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (nl < 0) return;
      const to = nl > from && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (to - from > this.maxBytes)
        sink.tooLong(text.slice(from, from + HEAD_CHARS), Buffer.byteLength(text.slice(from, to)), ++this.lineNo);
      else sink.line(text.slice(from, to), ++this.lineNo);
      from = nl + 1;
    }
  }
}
