/**
 * The growing buffer that compiled row encoders (row-binary.ts) write into, and the primitives
 * of both formats they write: RowBinary (the ClickHouse server) and TabSeparated (chDB). Each
 * value is written straight into the buffer: no intermediate string or object per value, ASCII
 * strings copied byte by byte, numbers written as bytes or digits.
 */
import { errors } from '@ratel/schemas';

const TWO_32 = 4294967296;
/** Smallest buffer: larger than Node's allocation pool, so never taken for a slice of it. */
const MIN_BYTES = 16384;
const B64 = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
/** The two ASCII digits of 0..99, pair k at 2k: integers are written two digits a division. */
const PAIRS = Buffer.from(Array.from({ length: 100 }, (_, k) => String(k).padStart(2, '0')).join(''), 'latin1');
const TAB = 9;
const NEWLINE = 10;
const BACKSLASH = 92;
const QUOTE = 39;

/** TabSeparated escapes (ClickHouse reads \b \f \r \n \t \0 \' \\). */
const TSV_ESCAPE = new Uint8Array(128);
for (const [c, e] of [
  [8, 'b'],
  [12, 'f'],
  [13, 'r'],
  [10, 'n'],
  [9, 't'],
  [0, '0'],
  [39, "'"],
  [92, '\\'],
] as const)
  TSV_ESCAPE[c] = e.charCodeAt(0);
const TSV_SPECIAL = /[\b\f\r\n\t\0'\\]/g;
const tsvEscaped = (s: string): string => s.replace(TSV_SPECIAL, (m) => `\\${String.fromCharCode(TSV_ESCAPE[m.charCodeAt(0)] as number)}`);

export class RowWriter {
  private buf: Buffer;
  /** Bytes written so far. */
  at = 0;
  /** The table and columns being written (for refusals). */
  private table = '';
  private columns: readonly { name: string; type: string }[] = [];

  /**
   * `into`: a buffer to write into (a rating worker reuses the one its previous rows came back
   * in); it is replaced by a larger one when the rows do not fit. Otherwise one of `bytes`.
   */
  constructor(
    private readonly engine: 'server' | 'chdb',
    bytes: number,
    into: Buffer | null = null,
  ) {
    // Its own ArrayBuffer (not Node's shared pool): a rating worker transfers it.
    this.buf = into ?? Buffer.allocUnsafeSlow(Math.max(MIN_BYTES, bytes));
  }

  /** Rows of `table` follow. */
  section(table: string, columns: readonly { name: string; type: string }[]): void {
    this.table = table;
    this.columns = columns;
  }

  /** The buffer written into (its first `at` bytes). */
  get buffer(): Buffer {
    return this.buf;
  }

  done(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  refuse(row: number, c: number, v: unknown): never {
    const col = this.columns[c] as { name: string; type: string };
    throw errors.storeQueryFailed(
      this.engine,
      `INSERT INTO ${this.table}`,
      new Error(`row ${row}: column ${col.name} (${col.type}) cannot take ${JSON.stringify(v) ?? String(v)}`),
    );
  }

  private room(n: number): void {
    if (this.at + n > this.buf.length) {
      const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.at + n, MIN_BYTES));
      this.buf.copy(next, 0, 0, this.at);
      this.buf = next;
    }
  }

  private varint(n: number): void {
    this.room(10);
    const b = this.buf;
    while (n >= 0x80) {
      b[this.at++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    b[this.at++] = n;
  }

  /* RowBinary */

  string(s: string): void {
    const n = s.length;
    if (n < 0x80) {
      // ASCII copied byte by byte, no call into the UTF-8 encoder.
      this.room(n + 1);
      const b = this.buf;
      const start = this.at;
      b[start] = n;
      let i = 0;
      for (; i < n; i++) {
        const ch = s.charCodeAt(i);
        if (ch >= 0x80) break;
        b[start + 1 + i] = ch;
      }
      if (i === n) {
        this.at = start + 1 + n;
        return;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.varint(bytes);
    this.room(bytes);
    this.buf.write(s, this.at, bytes, 'utf8');
    this.at += bytes;
  }

  strings(v: unknown[], row: number, c: number): void {
    this.varint(v.length);
    for (let k = 0; k < v.length; k++) {
      const s = v[k];
      if (typeof s !== 'string') this.refuse(row, c, v);
      this.string(s);
    }
  }

  uint32(v: number): void {
    this.room(4);
    const b = this.buf;
    const at = this.at;
    b[at] = v & 255;
    b[at + 1] = (v >>> 8) & 255;
    b[at + 2] = (v >>> 16) & 255;
    b[at + 3] = v >>> 24;
    this.at = at + 4;
  }

  int64(v: number): void {
    this.room(8);
    const hi = Math.floor(v / TWO_32);
    const lo = v - hi * TWO_32;
    const b = this.buf;
    const at = this.at;
    b[at] = lo & 255;
    b[at + 1] = (lo >>> 8) & 255;
    b[at + 2] = (lo >>> 16) & 255;
    b[at + 3] = lo >>> 24;
    b[at + 4] = hi & 255;
    b[at + 5] = (hi >>> 8) & 255;
    b[at + 6] = (hi >>> 16) & 255;
    b[at + 7] = (hi >>> 24) & 255;
    this.at = at + 8;
  }

  /** A String column holding the base64 of `bytes`. */
  base64(bytes: Uint8Array): void {
    const n = 4 * Math.ceil(bytes.length / 3);
    this.varint(n);
    this.base64Chars(bytes, n);
  }

  private base64Chars(bytes: Uint8Array, n: number): void {
    this.room(n);
    const b = this.buf;
    let at = this.at;
    const len = bytes.length;
    let i = 0;
    for (; i + 2 < len; i += 3) {
      const x = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
      b[at] = B64[x >>> 18] as number;
      b[at + 1] = B64[(x >>> 12) & 63] as number;
      b[at + 2] = B64[(x >>> 6) & 63] as number;
      b[at + 3] = B64[x & 63] as number;
      at += 4;
    }
    if (i < len) {
      const two = i + 1 < len;
      const x = ((bytes[i] as number) << 16) | (two ? (bytes[i + 1] as number) << 8 : 0);
      b[at] = B64[x >>> 18] as number;
      b[at + 1] = B64[(x >>> 12) & 63] as number;
      b[at + 2] = two ? (B64[(x >>> 6) & 63] as number) : 61;
      b[at + 3] = 61;
      at += 4;
    }
    this.at = at;
  }

  /* TabSeparated */

  /** Ends a value: a tab, or a newline after the row's last one. */
  tsvEnd(last: boolean): void {
    this.room(1);
    this.buf[this.at++] = last ? NEWLINE : TAB;
  }

  tsvString(s: string): void {
    const n = s.length;
    this.room(2 * n);
    const b = this.buf;
    const start = this.at;
    let at = start;
    for (let i = 0; i < n; i++) {
      const ch = s.charCodeAt(i);
      if (ch >= 0x80) {
        // Not ASCII: the whole string escaped, then written as UTF-8.
        this.at = start;
        const e = tsvEscaped(s);
        const bytes = Buffer.byteLength(e, 'utf8');
        this.room(bytes);
        this.buf.write(e, this.at, bytes, 'utf8');
        this.at += bytes;
        return;
      }
      const esc = TSV_ESCAPE[ch] as number;
      if (esc !== 0 || ch === 0) {
        b[at++] = BACKSLASH;
        b[at++] = esc;
      } else b[at++] = ch;
    }
    this.at = at;
  }

  tsvStrings(v: unknown[], row: number, c: number): void {
    this.room(1);
    this.buf[this.at++] = 91; // [
    for (let k = 0; k < v.length; k++) {
      const s = v[k];
      if (typeof s !== 'string') this.refuse(row, c, v);
      this.room(2);
      if (k > 0) this.buf[this.at++] = 44; // ,
      this.buf[this.at++] = QUOTE;
      this.tsvString(s);
      this.room(1);
      this.buf[this.at++] = QUOTE;
    }
    this.room(1);
    this.buf[this.at++] = 93; // ]
  }

  /** An integer in decimal (safe integers only: the encoders check them). */
  tsvInt(v: number): void {
    this.room(21);
    if (v < 0) {
      this.buf[this.at++] = 45; // -
      v = -v;
    }
    if (v < 1e9) this.digits(v, 0);
    else {
      // Two parts below 2^31 each, so the digits come from integer arithmetic.
      const hi = Math.floor(v / 1e9);
      this.digits(hi, 0);
      this.digits(v - hi * 1e9, 9);
    }
  }

  /** The decimal digits of 0 <= v < 1e9, at least `width` of them (zero-padded). */
  private digits(v: number, width: number): void {
    let n = v < 1e4 ? (v < 100 ? (v < 10 ? 1 : 2) : v < 1e3 ? 3 : 4) : v < 1e6 ? (v < 1e5 ? 5 : 6) : v < 1e7 ? 7 : v < 1e8 ? 8 : 9;
    if (n < width) n = width;
    const b = this.buf;
    const start = this.at;
    let at = start + n;
    this.at = at;
    let x = v;
    while (x >= 100) {
      const q = (x / 100) | 0;
      const r = 2 * (x - 100 * q);
      b[--at] = PAIRS[r + 1] as number;
      b[--at] = PAIRS[r] as number;
      x = q;
    }
    if (x >= 10) {
      b[--at] = PAIRS[2 * x + 1] as number;
      b[--at] = PAIRS[2 * x] as number;
    } else b[--at] = 48 + x;
    while (at > start) b[--at] = 48;
  }

  tsvBase64(bytes: Uint8Array): void {
    this.base64Chars(bytes, 4 * Math.ceil(bytes.length / 3));
  }
}
